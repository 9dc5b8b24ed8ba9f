import { logLevel, type logCreator } from 'kafkajs';
import type { Logger } from 'pino';

/**
 * kafkajs' own log lines into a pino logger (`new Kafka({ logCreator: kafkaLogCreator(log) })`):
 * ERROR and NOTHING as error, WARN as warn, the rest as debug; the entry's fields under `kafka`.
 */
export function kafkaLogCreator(log: Pick<Logger, 'error' | 'warn' | 'debug'>): logCreator {
  return () =>
    ({ level, log: entry }) => {
      const { message, ...rest } = entry;
      if (level <= logLevel.ERROR) log.error({ kafka: rest }, message);
      else if (level === logLevel.WARN) log.warn({ kafka: rest }, message);
      else log.debug({ kafka: rest }, message);
    };
}
