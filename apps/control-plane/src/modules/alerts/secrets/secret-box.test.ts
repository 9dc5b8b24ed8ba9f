import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { SecretBox, SecretBoxError, sealContext } from './secret-box.js';

const box = new SecretBox(randomBytes(32));
const context = sealContext('t1', 'd1', 'signing-secret');

describe('SecretBox (AES-256-GCM)', () => {
  it('seals to ciphertext that names its key and opens again', () => {
    const sealed = box.seal('whsec_abc', context);
    expect(sealed).toMatch(new RegExp(`^v1\\.${box.keyId}\\.[\\w-]+\\.[\\w-]+\\.[\\w-]+$`));
    expect(sealed).not.toContain('whsec_abc');
    expect(box.seal('whsec_abc', context)).not.toBe(sealed);
    expect(box.open(sealed, context)).toBe('whsec_abc');
  });

  it('refuses another context (a copy to another row or tenant), a flipped bit and another key', () => {
    const sealed = box.seal('whsec_abc', context);
    expect(() => box.open(sealed, sealContext('t2', 'd1', 'signing-secret'))).toThrow(SecretBoxError);
    expect(() => box.open(sealed, sealContext('t1', 'd1', 'url'))).toThrow(SecretBoxError);
    const parts = sealed.split('.');
    const ciphertext = Buffer.from(parts[4]!, 'base64url');
    ciphertext[0]! ^= 1;
    expect(() => box.open([...parts.slice(0, 4), ciphertext.toString('base64url')].join('.'), context)).toThrow(/does not open/);
    expect(() => new SecretBox(randomBytes(32)).open(sealed, context)).toThrow(/sealed with secrets key/);
  });
});
