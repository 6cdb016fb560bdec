/**
 * The process that reshards. It runs beside the registry's supervisor (only
 * there can shards' child specs, which hold functions, be added), so a
 * reshard asked for on any scheduler is a call to it; its mailbox also makes
 * reshards from several threads run one after another.
 */
import { GenServer, ok, reply } from '@erlmcp/otp';

/** What the coordinator needs of the registry (the object of the supervisor's thread). */
export interface ReshardHost {
  moveTo(shards: number): Promise<void>;
}

export interface ReshardRequest {
  shards: number;
}

/** Plain data, so it crosses threads: the failure's code and message. */
export type ReshardReply = { ok: true } | { error: { code: string; message: string } };

function describeFailure(error: unknown): { code: string; message: string } {
  const code = (error as { code?: unknown } | null)?.code;
  return {
    code: typeof code === 'string' ? code : 'ERR_UNKNOWN',
    message: error instanceof Error ? error.message : String(error),
  };
}

export const coordinator = GenServer.define({
  init: (host: ReshardHost) => ok(host),
  handleCall: async (request: ReshardRequest, _from, host: ReshardHost) => {
    try {
      await host.moveTo(request.shards);
      return reply<ReshardHost, ReshardReply>({ ok: true }, host);
    } catch (error) {
      return reply<ReshardHost, ReshardReply>({ error: describeFailure(error) }, host);
    }
  },
});
