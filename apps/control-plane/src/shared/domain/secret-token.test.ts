import { describe, expect, it } from 'vitest';
import { hashToken, isWellFormedToken, issueToken } from './secret-token.js';

describe('secret tokens', () => {
  it('have a recognisable prefix, a base62 body and a checksum, and only their hash is kept', () => {
    const token = issueToken('agent');
    expect(token.secret).toMatch(/^thoth_at_[0-9A-Za-z]{43}_[0-9A-Za-z]{6}$/);
    expect(token.hash).toBe(hashToken(token.secret));
    expect(token.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(token.secret.startsWith(token.hint)).toBe(true);
    expect(issueToken('enforcer').secret).toMatch(/^thoth_et_/);
  });

  it('are unique', () => {
    const seen = new Set(Array.from({ length: 1000 }, () => issueToken('agent').secret));
    expect(seen.size).toBe(1000);
  });

  it('reject a mistyped token by its checksum, and a token of another kind by its prefix', () => {
    const { secret } = issueToken('agent');
    expect(isWellFormedToken('agent', secret)).toBe(true);
    expect(isWellFormedToken('enforcer', secret)).toBe(false);
    const i = 20;
    const typo = secret.slice(0, i) + (secret[i] === 'a' ? 'b' : 'a') + secret.slice(i + 1);
    expect(isWellFormedToken('agent', typo)).toBe(false);
    expect(isWellFormedToken('agent', secret.slice(0, -1))).toBe(false);
    expect(isWellFormedToken('agent', '')).toBe(false);
  });

  it('encode all-zero and all-one bodies at full length', () => {
    expect(issueToken('agent', (n) => new Uint8Array(n)).secret).toMatch(/^thoth_at_0{43}_[0-9A-Za-z]{6}$/);
    const max = issueToken('agent', (n) => new Uint8Array(n).fill(255)).secret;
    expect(isWellFormedToken('agent', max)).toBe(true);
  });
});
