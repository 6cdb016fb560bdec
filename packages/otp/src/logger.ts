import winston from 'winston';

export type Logger = winston.Logger;

/**
 * The default logger: winston to stderr, every level. stdout is left alone
 * because a stdio MCP server speaks its protocol there: one info line (a
 * supervisor restart report) would corrupt the stream. ERLMCP_LOG_LEVEL (or
 * the node's logLevel option) picks the level; 'silent' turns it off. To send
 * logs elsewhere, pass your own winston logger: `Node.start({ logger })`.
 */
export function createLogger(level = process.env.ERLMCP_LOG_LEVEL ?? 'info'): Logger {
  return winston.createLogger({
    level: level === 'silent' ? 'error' : level,
    silent: level === 'silent',
    format: winston.format.combine(
      winston.format.timestamp(),
      winston.format.printf(({ timestamp, level: lvl, message, ...meta }) => {
        const extra = Object.keys(meta).length > 0 ? ' ' + JSON.stringify(meta, replacer) : '';
        return `${String(timestamp)} ${lvl}: ${String(message)}${extra}`;
      }),
    ),
    transports: [new winston.transports.Console({ stderrLevels: Object.keys(winston.config.npm.levels) })],
  });
}

/** Pids, refs and crashes print as Erlang would print them; errors keep their stack. */
function replacer(_key: string, value: unknown): unknown {
  if (value instanceof Error) return { message: value.message, stack: value.stack };
  if (typeof value === 'object' && value !== null && 'toString' in value) {
    const proto = Object.getPrototypeOf(value) as { constructor?: { name?: string } } | null;
    const name = proto?.constructor?.name;
    // eslint-disable-next-line @typescript-eslint/no-base-to-string -- these three print themselves with toString()
    if (name === 'Pid' || name === 'Ref' || name === 'Crash') return String(value);
  }
  return value;
}
