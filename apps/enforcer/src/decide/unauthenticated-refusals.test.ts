import { describe, expect, it } from 'vitest';
import { UnauthenticatedRefusals } from './unauthenticated-refusals.js';

function setup(options: { perPeerPerMinute?: number; logLinesPerMinute?: number } = {}) {
  let now = 1_000_000;
  const lines: Array<[object, string | undefined]> = [];
  const logger = { info: () => {}, error: () => {}, warn: (line: object, message?: string) => void lines.push([line, message]) };
  const refusals = new UnauthenticatedRefusals({ ...options, logger, metrics: undefined, clock: () => now });
  return { refusals, lines, advance: (ms: number) => (now += ms) };
}

const refusal = (cause: string) => ({ peer: '198.51.100.7', reason: 'UNAUTHENTICATED', cause });

describe('UnauthenticatedRefusals', () => {
  it('logs the first lines of a minute, counts the rest by cause, and logs the count when the minute ends', () => {
    const { refusals, lines, advance } = setup({ logLinesPerMinute: 2 });
    for (const cause of ['unknown_tenant', 'invalid_token', 'invalid_token', 'revoked_token', 'invalid_token']) refusals.record(refusal(cause));
    expect(lines.map(([line, message]) => [message, (line as { cause: string }).cause])).toEqual([
      ['refused before authentication', 'unknown_tenant'],
      ['refused before authentication', 'invalid_token'],
    ]);
    advance(60_000);
    refusals.record(refusal('unknown_agent'));
    expect(lines.slice(2)).toEqual([
      [{ notLogged: 3, byCause: { invalid_token: 2, revoked_token: 1 } }, 'refusals before authentication not logged'],
      [refusal('unknown_agent'), 'refused before authentication'],
    ]);
    refusals.flush();
    expect(lines).toHaveLength(4); // nothing left unlogged: no summary
  });

  it('limits a peer, an IPv6 one by its /64, and not its neighbours', () => {
    const { refusals, advance } = setup({ perPeerPerMinute: 2 });
    expect([refusals.admit('2001:db8:7:1::1'), refusals.admit('2001:db8:7:1::2'), refusals.admit('2001:db8:7:1::3')]).toEqual([true, true, false]);
    expect(refusals.admit('2001:db8:7:2::1')).toBe(true);
    advance(30_000);
    expect(refusals.admit('2001:db8:7:1::1')).toBe(true);
  });
});
