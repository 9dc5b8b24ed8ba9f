/** Time zones through Intl only: validity, offsets and local wall-clock times. */

const DAY_MS = 86_400_000;
const WEEK_MS = 7 * DAY_MS;
/** Zone transitions fall on UTC instants that are multiples of 15 minutes. */
const OFFSET_BUCKET_MS = 15 * 60_000;

const formatters = new Map<string, Intl.DateTimeFormat>();

/** Date.UTC without its mapping of years 0–99 to 1900–1999. */
function fromUtcFields(y: number, mo: number, d: number, h: number, mi: number, s: number, ms: number): number {
  const date = new Date(0);
  date.setUTCFullYear(y, mo, d);
  date.setUTCHours(h, mi, s, ms);
  return date.getTime();
}

function formatter(zone: string): Intl.DateTimeFormat {
  let f = formatters.get(zone);
  if (f === undefined) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      era: 'short',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(zone, f);
  }
  return f;
}

/** True when Intl knows the IANA zone (or UTC). */
export function isValidZone(zone: string): boolean {
  try {
    formatter(zone);
    return true;
  } catch {
    return false;
  }
}

/** The instants a Date can hold are ±8.64e15 ms; offsets are read a day inside, where local time is a Date too. */
const EDGE_MS = 8_640_000_000_000_000 - DAY_MS;

/** Offset of `zone` from UTC at instant `utcMs`, ms (local = utc + offset). */
export function zoneOffset(zone: string, utcMs: number): number {
  // Past the edge (a request's clock, a quarter-hour probe) the offset is the edge's: no time
  // zone rule is known there, and a Date outside the range would throw.
  if (utcMs > EDGE_MS || utcMs < -EDGE_MS) utcMs = utcMs > 0 ? EDGE_MS : -EDGE_MS;
  const parts = formatter(zone).formatToParts(new Date(utcMs));
  const get = (t: Intl.DateTimeFormatPartTypes): number => Number(parts.find((p) => p.type === t)?.value ?? 0);
  const year = parts.find((p) => p.type === 'era')?.value === 'BC' ? 1 - get('year') : get('year');
  const asUtc = fromUtcFields(year, get('month') - 1, get('day'), get('hour'), get('minute'), get('second'), 0);
  const whole = Math.floor(utcMs / 1000) * 1000;
  return asUtc - whole;
}

/** UTC instant of a wall-clock time in `zone` (in a DST gap: shifted forward by the gap; in an overlap: the earlier one). */
export function localToUtc(zone: string, localMs: number): number {
  const u1 = localMs - zoneOffset(zone, localMs);
  const u2 = localMs - zoneOffset(zone, u1);
  if (localMs - zoneOffset(zone, u2) === u2) return u2;
  // The wall-clock time does not exist (spring forward): take the instant after the gap.
  return Math.max(u1, u2);
}

/**
 * Wall clock of one zone with the offset memoised per 15-minute UTC bucket, so the hot
 * path calls Intl about twice per zone per quarter hour. Today's transitions fall on
 * quarter hours; historical ones need not (Africa/Monrovia 1972, local mean times), so a
 * bucket whose two ends disagree is not memoised and each instant in it asks Intl.
 * Pure: same inputs, same outputs.
 */
export class ZoneClock {
  #bucket = Number.NaN;
  #offset = 0;
  #stable = false;
  constructor(readonly zone: string) {}

  offset(utcMs: number): number {
    const b = Math.floor(utcMs / OFFSET_BUCKET_MS);
    if (b !== this.#bucket) {
      const start = zoneOffset(this.zone, b * OFFSET_BUCKET_MS);
      this.#stable = start === zoneOffset(this.zone, (b + 1) * OFFSET_BUCKET_MS - 1000);
      this.#offset = start;
      this.#bucket = b;
    }
    return this.#stable ? this.#offset : zoneOffset(this.zone, utcMs);
  }

  /** Milliseconds since local Monday 00:00. */
  msOfWeek(utcMs: number): number {
    const local = utcMs + this.offset(utcMs);
    // 1970-01-01 was a Thursday: day 0 is Monday after shifting by 3 days.
    const shifted = local + 3 * DAY_MS;
    return ((shifted % WEEK_MS) + WEEK_MS) % WEEK_MS;
  }
}

const ISO = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?)?(Z|[+-]\d{2}:\d{2})?$/;

/** Parses ISO 8601; without an offset the time is local in `zone`. Undefined when invalid. */
export function parseInstant(text: string, zone: string): number | undefined {
  const m = ISO.exec(text);
  if (m === null) return undefined;
  const num = (x: string | undefined): number => (x === undefined ? 0 : Number(x));
  const [y, mo, d, h, mi, s] = [num(m[1]), num(m[2]), num(m[3]), num(m[4]), num(m[5]), num(m[6])];
  const ms = m[7] === undefined ? 0 : Number(m[7].padEnd(3, '0'));
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 59) return undefined;
  const local = fromUtcFields(y, mo - 1, d, h, mi, s, ms);
  if (new Date(local).getUTCDate() !== d) return undefined; // 2026-02-30
  const off = m[8];
  if (off === undefined) return localToUtc(zone, local);
  if (off === 'Z') return local;
  const sign = off[0] === '-' ? -1 : 1;
  const oh = Number(off.slice(1, 3));
  const om = Number(off.slice(4, 6));
  if (oh > 23 || om > 59) return undefined;
  return local - sign * (oh * 3_600_000 + om * 60_000);
}

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: DAY_MS };
export const MAX_WINDOW_MS = 31 * DAY_MS;

/** Parses `10m`-style durations (already pattern-checked by the schema). */
export function parseDuration(text: string): number | undefined {
  const m = /^([1-9][0-9]*)(ms|s|m|h|d)$/.exec(text);
  if (m === null) return undefined;
  return Number(m[1]) * UNIT_MS[m[2]!]!;
}

export const DAY_INDEX: Record<string, number> = { mon: 0, tue: 1, wed: 2, thu: 3, fri: 4, sat: 5, sun: 6 };
export { DAY_MS, WEEK_MS };
