import { logLevel } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { kafkaLogCreator } from './kafka-logger.js';

describe('kafkaLogCreator', () => {
  it("writes kafkajs' entries at their level, the fields under kafka", () => {
    const lines: Array<[string, unknown, string]> = [];
    const log = {
      error: (fields: unknown, message: string) => lines.push(['error', fields, message]),
      warn: (fields: unknown, message: string) => lines.push(['warn', fields, message]),
      debug: (fields: unknown, message: string) => lines.push(['debug', fields, message]),
    };
    const write = kafkaLogCreator(log as never)(logLevel.INFO);
    const entry = (message: string) => ({ namespace: 'Consumer', label: 'x', log: { message, timestamp: 't', broker: 'b:9092' } });
    write({ ...entry('gone'), level: logLevel.ERROR });
    write({ ...entry('slow'), level: logLevel.WARN });
    write({ ...entry('joined'), level: logLevel.INFO });
    write({ ...entry('fetch'), level: logLevel.DEBUG });
    expect(lines).toEqual([
      ['error', { kafka: { timestamp: 't', broker: 'b:9092' } }, 'gone'],
      ['warn', { kafka: { timestamp: 't', broker: 'b:9092' } }, 'slow'],
      ['debug', { kafka: { timestamp: 't', broker: 'b:9092' } }, 'joined'],
      ['debug', { kafka: { timestamp: 't', broker: 'b:9092' } }, 'fetch'],
    ]);
  });
});
