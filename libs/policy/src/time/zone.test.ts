import { describe, expect, it } from 'vitest';
import { ZoneClock, isValidZone, parseDuration, parseInstant, zoneOffset } from './zone.js';

describe('time zones', () => {
  it('knows IANA zones and rejects the rest', () => {
    expect(isValidZone('America/Los_Angeles')).toBe(true);
    expect(isValidZone('UTC')).toBe(true);
    expect(isValidZone('Asia/Kathmandu')).toBe(true);
    expect(isValidZone('Mars/Olympus_Mons')).toBe(false);
    expect(isValidZone('')).toBe(false);
  });

  it('computes offsets across DST and for odd offsets', () => {
    expect(zoneOffset('America/Los_Angeles', Date.UTC(2025, 6, 1))).toBe(-7 * 3_600_000);
    expect(zoneOffset('America/Los_Angeles', Date.UTC(2025, 0, 1))).toBe(-8 * 3_600_000);
    expect(zoneOffset('Asia/Kathmandu', Date.UTC(2025, 0, 1))).toBe((5 * 60 + 45) * 60_000);
    // Years before 100 and before the common era are not mangled (Date.UTC maps 0–99 to 19xx).
    expect(zoneOffset('UTC', -62_198_755_200_000)).toBe(0);
    expect(zoneOffset('Europe/Berlin', Date.parse('0099-06-01T00:00:00Z'))).toBe(zoneOffset('Europe/Berlin', Date.parse('0099-06-02T00:00:00Z')));
    expect(parseInstant('0099-03-01T00:00Z', 'UTC')).toBe(Date.parse('0099-03-01T00:00:00Z'));
  });

  it('parses local and absolute instants', () => {
    expect(parseInstant('2025-07-14T00:00', 'America/Los_Angeles')).toBe(Date.UTC(2025, 6, 14, 7));
    expect(parseInstant('2025-07-14', 'Europe/Berlin')).toBe(Date.UTC(2025, 6, 13, 22));
    expect(parseInstant('2025-07-14T00:00:00Z', 'Europe/Berlin')).toBe(Date.UTC(2025, 6, 14));
    expect(parseInstant('2025-07-14T00:00:00.5+02:00', 'UTC')).toBe(Date.UTC(2025, 6, 13, 22, 0, 0, 500));
    // 02:30 on the spring-forward night does not exist in Los Angeles: shifted by the gap.
    expect(parseInstant('2025-03-09T02:30', 'America/Los_Angeles')).toBe(Date.UTC(2025, 2, 9, 10, 30));
    for (const bad of ['2025-02-30T00:00', '2025-13-01', '14 July', '2025-07-14T25:00']) expect(parseInstant(bad, 'UTC'), bad).toBeUndefined();
  });

  it('gives the local time of week, memoising the offset per quarter hour', () => {
    const c = new ZoneClock('America/Los_Angeles');
    // Monday 2025-07-14 00:00 PDT
    expect(c.msOfWeek(Date.UTC(2025, 6, 14, 7))).toBe(0);
    // Sunday 2025-07-20 23:59 PDT
    expect(c.msOfWeek(Date.UTC(2025, 6, 21, 6, 59))).toBe(7 * 86_400_000 - 60_000);
    // Spring forward: Sunday 2025-03-09 01:59 PST, then 03:00 PDT one minute later.
    expect(c.msOfWeek(Date.UTC(2025, 2, 9, 9, 59))).toBe(6 * 86_400_000 + (1 * 60 + 59) * 60_000);
    expect(c.msOfWeek(Date.UTC(2025, 2, 9, 10, 0))).toBe(6 * 86_400_000 + 3 * 3_600_000);
  });

  it('answers at the edges of the Date range instead of throwing', () => {
    const max = 8_640_000_000_000_000;
    for (const zone of ['Europe/Paris', 'America/Los_Angeles', 'UTC']) {
      expect(Number.isFinite(zoneOffset(zone, max)), zone).toBe(true);
      expect(Number.isFinite(zoneOffset(zone, -max)), zone).toBe(true);
      expect(zoneOffset(zone, max)).toBe(zoneOffset(zone, max - 86_400_000));
      const week = new ZoneClock(zone).msOfWeek(max);
      expect(week >= 0 && week < 7 * 86_400_000, zone).toBe(true);
    }
  });

  it('parses durations', () => {
    expect(parseDuration('10m')).toBe(600_000);
    expect(parseDuration('500ms')).toBe(500);
    expect(parseDuration('2h')).toBe(7_200_000);
    expect(parseDuration('1d')).toBe(86_400_000);
    expect(parseDuration('0s')).toBeUndefined();
    expect(parseDuration('1w')).toBeUndefined();
  });
});
