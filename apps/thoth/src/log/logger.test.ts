import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, logFormat } from './logger.js';

function capture(): { stream: Writable; text: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk.toString());
      done();
    },
  });
  return { stream, text: () => chunks.join('') };
}

describe('the launcher’s log format', () => {
  it('is readable on a terminal and JSON otherwise, unless THOTH_LOG_FORMAT says', () => {
    expect(logFormat('auto', { isTTY: true })).toBe('pretty');
    expect(logFormat('auto', { isTTY: false })).toBe('json');
    expect(logFormat('auto', {})).toBe('json');
    expect(logFormat('json', { isTTY: true })).toBe('json');
    expect(logFormat('pretty', { isTTY: false })).toBe('pretty');
  });

  it('writes one JSON object a line in json', () => {
    const out = capture();
    createLogger({ level: 'info', format: 'json', destination: out.stream }).info({ api: 'http://127.0.0.1:4000/v1' }, 'thoth is up');
    const line = JSON.parse(out.text().trim()) as Record<string, unknown>;
    expect(line).toMatchObject({ level: 30, service: 'thoth', api: 'http://127.0.0.1:4000/v1', msg: 'thoth is up' });
  });

  it('writes a readable line (level, message, fields below) in pretty', () => {
    const out = capture();
    createLogger({ level: 'info', format: 'pretty', destination: out.stream, colorize: false }).info({ api: 'http://127.0.0.1:4000/v1' }, 'thoth is up');
    const text = out.text();
    expect(() => JSON.parse(text) as unknown).toThrow();
    expect(text).toMatch(/^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: thoth is up\n/);
    expect(text).toContain('api: "http://127.0.0.1:4000/v1"');
    expect(text).not.toContain('hostname');
  });
});
