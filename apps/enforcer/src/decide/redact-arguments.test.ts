import { describe, expect, it } from 'vitest';
import { isCardNumber, REDACTED_CARD, REDACTED_SECRET, redactArguments } from './redact-arguments.js';

const enc = (s: string) => new TextEncoder().encode(s);
const redacted = (value: unknown): unknown => JSON.parse(new TextDecoder().decode(redactArguments(enc(JSON.stringify(value)))));

describe('redactArguments', () => {
  it('leaves ordinary arguments byte for byte', () => {
    const json = enc('{"id":42,"reason":"cleanup","ids":[1,2,3],"when":"2026-06-01T12:00:00Z","phone":"+33 1 23 45 67 89"}');
    expect(redactArguments(json)).toBe(json);
  });

  it('replaces card numbers that pass the Luhn check, as strings, spaced, dashed, or as numbers', () => {
    expect(
      redacted({ card: '4111111111111111', spaced: 'pay with 4111 1111 1111 1111 now', dashed: '5500-0000-0000-0004', n: 4111111111111111, notLuhn: '4111111111111112', order: 1234567890123 }),
    ).toEqual({ card: REDACTED_CARD, spaced: `pay with ${REDACTED_CARD} now`, dashed: REDACTED_CARD, n: REDACTED_CARD, notLuhn: '4111111111111112', order: 1234567890123 });
  });

  it('replaces values that look like credentials, wherever they are, and every value under a secret-naming key', () => {
    expect(
      redacted({
        note: 'use sk_live_abcdefghijklmnop1234 here',
        headers: { Authorization: 'Basic dXNlcjpwYXNz', accept: 'application/json' },
        nested: [{ aws: 'AKIAIOSFODNN7EXAMPLE' }, { jwt: 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl' }],
        password: 'hunter2',
        apiKey: 'whatever',
        key: '-----BEGIN RSA PRIVATE KEY-----\nMIIE\n-----END RSA PRIVATE KEY-----',
        bearer: 'Bearer abcdefghijklmnopqrstuvwxyz',
        token_count: 12,
        credentialId: 'cred-1',
        secretName: 'prod-db',
      }),
    ).toEqual({
      note: `use ${REDACTED_SECRET} here`,
      headers: { Authorization: REDACTED_SECRET, accept: 'application/json' },
      nested: [{ aws: REDACTED_SECRET }, { jwt: REDACTED_SECRET }],
      password: REDACTED_SECRET,
      apiKey: REDACTED_SECRET,
      key: REDACTED_SECRET,
      bearer: REDACTED_SECRET,
      token_count: 12,
      credentialId: 'cred-1',
      secretName: 'prod-db',
    });
  });

  it('keeps nothing of arguments that are not JSON but might hold a secret', () => {
    expect(redactArguments(enc('password=hunter2'))).toEqual(new Uint8Array(0));
  });

  it('checks Luhn on 13 to 19 digits only', () => {
    expect(isCardNumber('4111111111111111')).toBe(true);
    expect(isCardNumber('4111111111111112')).toBe(false);
    expect(isCardNumber('0')).toBe(false);
  });
});
