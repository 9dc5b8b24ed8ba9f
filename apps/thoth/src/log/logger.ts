import { pino, type Level, type Logger } from 'pino';
import pretty from 'pino-pretty';

export type LogFormat = 'json' | 'pretty';

/**
 * Readable lines for a person at a terminal, one JSON object a line for everything else (a
 * pipe, a file, a log collector, the tests that read the launcher's output). THOTH_LOG_FORMAT
 * overrides the guess.
 */
export function logFormat(setting: 'auto' | LogFormat, stdout: { isTTY?: boolean }): LogFormat {
  if (setting !== 'auto') return setting;
  return stdout.isTTY === true ? 'pretty' : 'json';
}

/** The launcher's logger, writing to `destination` (stdout by default) in the chosen format. */
export function createLogger(options: {
  level: Level | 'silent';
  format: LogFormat;
  destination?: NodeJS.WritableStream;
  colorize?: boolean;
}): Logger {
  const base = { level: options.level, base: { service: 'thoth' } };
  if (options.format === 'json') return options.destination ? pino(base, options.destination) : pino(base);
  // pino-pretty as a stream in this thread (not a worker transport): lines are written in
  // order with the banner, and nothing is lost when the process exits.
  return pino(
    base,
    pretty({
      destination: options.destination ?? 1,
      sync: true,
      colorize: options.colorize ?? pretty.isColorSupported,
      translateTime: 'SYS:HH:MM:ss.l',
      ignore: 'pid,hostname,service',
      singleLine: false,
    }),
  );
}
