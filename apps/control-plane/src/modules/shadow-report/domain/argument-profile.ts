// What the shadow window's legitimate calls of one agent and tool looked like, argument by
// argument: the keys they carried (top level and one level down), the destinations they named
// (recipients, payees, accounts, URLs, users shared with…), and how many records one call
// touched. The recommended policy turns these into CEL conditions (recommended-policy.ts).

/** Argument names that say where money or data goes, or who gains access (the last segment of a path). */
export const DESTINATION_KEY =
  /^(to|cc|bcc|recipients?|emails?|share_?with|shared_?with|invitees?|attendees|members?|users?|payees?|payee_?id|beneficiary|accounts?|account_?(number|id)|iban|routing(_?number)?|urls?|uri|endpoint|webhooks?|webhook_?url|hosts?|hostname|domain|destination|target|ship_?to|shipping_?address|address|payment_?method|card|channel)$/i;

/** Arrays whose length is the records one call touches. */
export const RECORD_KEYS = ['ids', 'records', 'rows'] as const;

/** Keys remembered per level, destinations per path: a tool beyond this is too diverse to list. */
export const MAX_KEYS = 64;
export const MAX_VALUES = 256;

export interface PathValues {
  /** Every value a string, every value a list of strings, or neither (not listed). */
  shape: 'string' | 'list' | 'mixed';
  readonly values: Set<string>;
  /** More than MAX_VALUES distinct values. */
  overflow: boolean;
  calls: number;
}

export class ArgumentProfile {
  calls = 0;
  /** Calls whose arguments were retained (the trial retains them). */
  withArguments = 0;
  readonly keys = new Set<string>();
  keysOverflow = false;
  /** For each top-level key: the keys under it when it was always an object; null otherwise. */
  readonly nested = new Map<string, Set<string> | null>();
  readonly destinations = new Map<string, PathValues>();
  /** The largest `ids`/`records`/`rows` array seen, per key. */
  readonly records = new Map<string, number>();

  add(args: unknown): void {
    this.calls++;
    if (args === undefined) return;
    this.withArguments++;
    if (args === null || typeof args !== 'object' || Array.isArray(args)) {
      this.keysOverflow = true;
      return;
    }
    for (const [key, value] of Object.entries(args as Record<string, unknown>)) {
      this.#key(this.keys, key);
      const isObject = value !== null && typeof value === 'object' && !Array.isArray(value);
      const known = this.nested.get(key);
      if (!isObject) this.nested.set(key, null);
      else if (known !== null) {
        const under = known ?? new Set<string>();
        if (known === undefined) this.nested.set(key, under);
        for (const [inner, innerValue] of Object.entries(value as Record<string, unknown>)) {
          this.#key(under, inner);
          if (DESTINATION_KEY.test(inner)) this.#destination(`${key}.${inner}`, innerValue);
        }
      }
      if (DESTINATION_KEY.test(key)) this.#destination(key, value);
      if ((RECORD_KEYS as readonly string[]).includes(key) && Array.isArray(value)) this.records.set(key, Math.max(this.records.get(key) ?? 0, value.length));
    }
  }

  #key(set: Set<string>, key: string): void {
    if (set.has(key)) return;
    if (set.size >= MAX_KEYS) this.keysOverflow = true;
    else set.add(key);
  }

  #destination(path: string, value: unknown): void {
    let seen = this.destinations.get(path);
    const shape = typeof value === 'string' ? 'string' : Array.isArray(value) && value.every((v) => typeof v === 'string') ? 'list' : 'mixed';
    if (!seen) this.destinations.set(path, (seen = { shape, values: new Set(), overflow: false, calls: 0 }));
    else if (seen.shape !== shape) seen.shape = 'mixed';
    seen.calls++;
    for (const v of typeof value === 'string' ? [value] : Array.isArray(value) ? value : []) {
      if (typeof v !== 'string' || seen.values.has(v)) continue;
      if (seen.values.size >= MAX_VALUES) seen.overflow = true;
      else seen.values.add(v);
    }
  }
}

const EMAIL = /^[^@\s]+@([^@\s]+)$/;
const URL_ORIGIN = /^([a-z][a-z0-9+.-]*:\/\/[^/?#@\s]+)(?:[/?#].*)?$/i;

/** The domain of an email address (lower case), or undefined. */
export function emailDomain(value: string): string | undefined {
  return EMAIL.exec(value)?.[1]?.toLowerCase();
}

/** scheme://host[:port] of a URL without user info (lower case), or undefined. */
export function urlOrigin(value: string): string | undefined {
  return URL_ORIGIN.exec(value)?.[1]?.toLowerCase();
}
