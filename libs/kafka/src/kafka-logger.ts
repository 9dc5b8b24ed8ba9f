import { logLevel, type logCreator } from 'kafkajs';

/** What our Kafka code logs with: a pino logger, or the little of one an app passes. */
export interface KafkaLog {
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
  debug(fields: object, message: string): void;
}

/**
 * kafkajs' own log lines into a pino logger (`new Kafka({ logCreator: kafkaLogCreator(log) })`):
 * ERROR and NOTHING as error, WARN as warn, the rest as debug; the entry's fields under `kafka`.
 */
export function kafkaLogCreator(log: Pick<KafkaLog, 'error' | 'warn' | 'debug'>): logCreator {
  return () =>
    ({ level, log: entry }) => {
      const { message, ...rest } = entry;
      if (level <= logLevel.ERROR) log.error({ kafka: rest }, message);
      else if (level === logLevel.WARN) log.warn({ kafka: rest }, message);
      else log.debug({ kafka: rest }, message);
    };
}
