/**
 * Interleaved A/B of the hot paths the telemetry touches (otp whereis, sync GenServer.call,
 * sharded-registry whereis): another build of otp and sharded-registry (slot "old") against
 * this checkout's (slot "new"), in one process, rounds alternating, median ns per operation.
 *
 * Build the other side inside the checkout so that it resolves the same dependencies, e.g.
 * the parent commit's sources into packages/otp/ab-old/src and packages/sharded-registry/ab-old/src,
 * each with a tsconfig.json extending ../../../tsconfig.base.json (rootDir src, outDir dist,
 * composite false), compiled with `node node_modules/typescript/bin/tsc -p <that tsconfig>`.
 * Then, from the repository root:
 *   node packages/observability/scripts/hotpath-ab.cjs [listen|nolisten] [newfirst]
 * OLD_OTP and OLD_REGISTRY name other builds' index.js. Loading the same build in both slots
 * shows the slots' own bias.
 */
const path = require('node:path');
const root = path.resolve(__dirname, '..', '..', '..');
const oldOtp = require(process.env.OLD_OTP ?? path.join(root, 'packages/otp/ab-old/dist/index.js'));
const newOtp = require(path.join(root, 'packages/otp/dist/index.js'));
const { ShardedRegistry: NewReg } = require(path.join(root, 'packages/sharded-registry/dist/index.js'));
const { ShardedRegistry: OldReg } = require(
  process.env.OLD_REGISTRY ?? path.join(root, 'packages/sharded-registry/ab-old/dist/index.js'),
);

const ROUNDS = 8;
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
function time(fn, n) {
  const t = process.hrtime.bigint();
  fn(n);
  return Number(process.hrtime.bigint() - t) / n;
}

async function main() {
  const listen = process.argv[2] === 'listen';
  // otp: whereis and a sync GenServer.call, old vs new, each on its own node (module instances are separate).
  const results = {};
  const add = (k, v) => (results[k] ??= []).push(v);
  for (const [label, otp] of process.argv[3] === 'newfirst'
    ? [
        ['new', newOtp],
        ['old', oldOtp],
      ]
    : [
        ['old', oldOtp],
        ['new', newOtp],
      ]) {
    otp.__node = otp.Node.start({ schedulers: 1, logLevel: 'silent' });
    if (listen) otp.__node.events.on('registry:lookup', () => {});
    const def = otp.GenServer.define({ init: () => otp.ok(0), handleCall: (r, _f, n) => otp.reply(r, n + 1) });
    otp.__pid = await otp.GenServer.start(def, undefined, { name: 'ab_target_' + label });
    otp.__name = 'ab_target_' + label;
  }
  const reg = {};
  for (const [label, R] of [
    ['old', OldReg],
    ['new', NewReg],
  ]) {
    reg[label] = R.create({ name: 'ab_reg_' + label, shards: 4 });
    await reg[label].start();
    await reg[label].registerName('k', newOtp.__pid);
  }
  if (listen) newOtp.__node.events.on('registry:lookup', () => {});
  for (let r = 0; r < ROUNDS; r++) {
    for (const label of r % 2 ? ['old', 'new'] : ['new', 'old']) {
      const otp = label === 'old' ? oldOtp : newOtp;
      add(
        `otp whereis ${label}`,
        time((n) => {
          for (let i = 0; i < n; i++) otp.whereis(otp.__name);
        }, 2_000_000),
      );
      const t = process.hrtime.bigint();
      for (let i = 0; i < 20_000; i++) await otp.GenServer.call(otp.__pid, i);
      add(`otp call ${label}`, Number(process.hrtime.bigint() - t) / 20_000);
      const rg = reg[label];
      add(
        `sharded whereis ${label}`,
        time((n) => {
          for (let i = 0; i < n; i++) rg.whereis('k');
        }, 2_000_000),
      );
    }
  }
  for (const [k, v] of Object.entries(results))
    console.log(`${k.padEnd(24)} median ${median(v).toFixed(1)} ns  (rounds: ${v.map((x) => x.toFixed(0)).join(' ')})`);
  process.exit(0);
}
main();
