import { describe, expect, it } from 'vitest';
import { API_KEY_ROLES, generateApiKey, hashApiKey, verifiedApiKeyHash } from './index.js';

describe('API keys', () => {
  it('have a recognisable prefix, a checksum, and are stored only as a SHA-256 hash', () => {
    const { key, hash, prefix } = generateApiKey();
    expect(key).toMatch(/^thoth_sk_[0-9A-Za-z]{32}_[0-9A-Za-z]{6}$/);
    expect(prefix).toBe(key.slice(0, 15));
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(hash).not.toContain(key.slice(9, 41));
    expect(verifiedApiKeyHash(key)).toBe(hash);
  });

  it('are unique', () => {
    const keys = new Set(Array.from({ length: 200 }, () => generateApiKey().key));
    expect(keys.size).toBe(200);
  });

  it('reject a typo or a forged key by checksum, before any lookup', () => {
    const { key } = generateApiKey();
    const secret = key.slice(9, 41);
    const flipped = secret[0] === 'a' ? 'b' + secret.slice(1) : 'a' + secret.slice(1);
    expect(verifiedApiKeyHash(key.replace(secret, flipped))).toBeUndefined();
    expect(verifiedApiKeyHash('thoth_sk_' + 'a'.repeat(32) + '_000000')).toBeUndefined();
    expect(verifiedApiKeyHash('Bearer nonsense')).toBeUndefined();
    expect(verifiedApiKeyHash(key + 'x')).toBeUndefined();
    expect(hashApiKey(key)).toHaveLength(64);
  });

  it('keep the format of keys already issued: a key made by the control plane before the move still verifies', () => {
    const issued = 'thoth_sk_r42ybqpKgASo0oDSgm88JNmy5bDb96hv_1ubXmL';
    expect(verifiedApiKeyHash(issued)).toBe('4330bb26104e43f6f4157a25f59057f4f3cafa5b7c9b06a16182e4412a8ef0ba');
    expect(API_KEY_ROLES).toEqual(['admin', 'policy_author', 'auditor', 'read_only', 'approver']);
  });
});
