import { TraceFlags } from '@opentelemetry/api';
import { describe, expect, it } from 'vitest';
import { formatTraceParent, parseTraceParent, validTraceParent } from './trace-parent.js';
import { spanContextOf } from './spans.js';
import { trace } from '@opentelemetry/api';

const VALID = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

describe('traceparent (W3C trace context, version 00)', () => {
  it('reads a well-formed traceparent as a remote, sampled span context, and writes it back', () => {
    const context = parseTraceParent(VALID);
    expect(context).toEqual({ traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', traceFlags: TraceFlags.SAMPLED, isRemote: true });
    expect(formatTraceParent(context!)).toBe(VALID);
    expect(parseTraceParent(VALID.replace(/01$/, '00'))?.traceFlags).toBe(TraceFlags.NONE);
  });

  // Forged or broken values come from agents' metadata and from events on the topic: each is
  // dropped (undefined), never an error, and never leaks flags beyond "sampled".
  it.each([
    ['empty', ''],
    ['another version', VALID.replace(/^00/, '01')],
    ['version ff', VALID.replace(/^00/, 'ff')],
    ['upper case', VALID.toUpperCase()],
    ['an all-zero trace id', `00-${'0'.repeat(32)}-00f067aa0ba902b7-01`],
    ['an all-zero span id', `00-4bf92f3577b34da6a3ce929d0e0e4736-${'0'.repeat(16)}-01`],
    ['a short trace id', '00-4bf92f3577b34da6a3ce929d0e0e473-00f067aa0ba902b7-01'],
    ['a trailing field', `${VALID}-00`],
    ['a megabyte', VALID + 'a'.repeat(1 << 20)],
    ['55 characters that are not hex', `00-${'g'.repeat(32)}-${'z'.repeat(16)}-01`],
    ['a newline in it', `${VALID.slice(0, 54)}\n`],
    ['surrounding spaces', ` ${VALID.slice(1)}`],
    ['not a string', Buffer.from(VALID)],
    ['undefined', undefined],
  ])('drops %s', (_what, value) => {
    expect(parseTraceParent(value)).toBeUndefined();
    expect(validTraceParent(value)).toBeUndefined();
    expect(trace.getSpanContext(spanContextOf(typeof value === 'string' ? value : undefined))).toBeUndefined();
  });

  it('keeps only the sampled flag of the flags it reads', () => {
    expect(parseTraceParent(VALID.replace(/01$/, 'ff'))?.traceFlags).toBe(TraceFlags.SAMPLED);
  });

  it('gives a span the remote parent a valid traceparent names', () => {
    expect(trace.getSpanContext(spanContextOf(VALID))).toMatchObject({ traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', isRemote: true });
  });
});
