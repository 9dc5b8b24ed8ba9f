import { describe, expect, it } from 'vitest';
import { compilePolicy } from '../index.js';
import { canonicalJson, policyHash, sha256Hex } from './canonical-json.js';

describe('sha256Hex', () => {
  it('known answers (FIPS 180-4 examples)', () => {
    expect(sha256Hex('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(sha256Hex('')).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    expect(sha256Hex('abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq')).toBe('248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1');
  });

  it('hashes the UTF-8 bytes (value computed with the former hand-written implementation)', () => {
    expect(sha256Hex(`${'x'.repeat(1000)}${'é'.repeat(100)}`)).toBe('5d10dc578a7e1bacc043d8663cd4d2f8f07e8eddafa4a5d53d18765bb89d85a7');
  });
});

describe('canonicalJson and the policy hash', () => {
  it('sorts keys at every level and drops undefined members', () => {
    expect(canonicalJson({ b: 1, a: [true, null, { d: 'x', c: undefined }] })).toBe('{"a":[true,null,{"d":"x"}],"b":1}');
    expect(policyHash({ b: 1, a: 2 })).toBe(policyHash({ a: 2, b: 1 }));
  });

  it('is byte-identical to the hash before @noble/hashes replaced the hand-written SHA-256', () => {
    // Pinned from the former implementation: a change here changes every stored policy hash.
    const r = compilePolicy(`apiVersion: thoth.dev/policy/v1
kind: Policy
metadata:
  name: pinned
  version: "3"
defaults:
  effect: allow
rules:
  - id: no-bulk-delete
    match: { tools: ["crm.delete*"] }
    when: size(args.ids) > 100
    effect: deny
    reason: "bulk delete — ünïcödé ✓"
`);
    if (!r.ok) throw new Error(JSON.stringify(r.errors));
    expect(r.policy.hash).toBe('sha256:a98e424c212d506cb4f9209b8570dfe3fc26880422eb60e611efa62a0275a5f0');
  });
});
