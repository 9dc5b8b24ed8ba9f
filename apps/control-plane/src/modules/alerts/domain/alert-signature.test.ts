import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { signAlert, verifyAlertSignature } from './alert-signature.js';

const SECRET = 'whsec_test-secret';
const BODY = '{"type":"thoth.alert.v1","alertId":"a1"}';
const NOW = new Date('2026-11-02T09:30:00.000Z');
const T = Math.floor(NOW.getTime() / 1000);

describe('webhook signatures', () => {
  it('is v1=<hex HMAC-SHA256(secret, "<timestamp>.<raw body>")>, which a receiver can compute alone', () => {
    const expected = createHmac('sha256', SECRET).update(`${T}.${BODY}`).digest('hex');
    expect(signAlert([SECRET], T, BODY)).toBe(`v1=${expected}`);
    expect(verifyAlertSignature({ secret: SECRET, body: BODY, timestamp: String(T), signature: `v1=${expected}`, now: NOW })).toEqual({ ok: true });
  });

  it('refuses a modified body, a wrong secret, a moved timestamp and missing headers', () => {
    const signature = signAlert([SECRET], T, BODY);
    const check = (over: Partial<Parameters<typeof verifyAlertSignature>[0]>) =>
      verifyAlertSignature({ secret: SECRET, body: BODY, timestamp: String(T), signature, now: NOW, ...over });
    expect(check({ body: BODY.replace('a1', 'a2') })).toEqual({ ok: false, reason: 'no_matching_signature' });
    expect(check({ body: `${BODY} ` })).toEqual({ ok: false, reason: 'no_matching_signature' });
    expect(check({ secret: 'whsec_other' })).toEqual({ ok: false, reason: 'no_matching_signature' });
    expect(check({ timestamp: String(T + 1) })).toEqual({ ok: false, reason: 'no_matching_signature' });
    expect(check({ signature: signature.replace(/.$/, (c) => (c === '0' ? '1' : '0')) })).toEqual({ ok: false, reason: 'no_matching_signature' });
    expect(check({ signature: `v0=${signature.slice(3)}` })).toEqual({ ok: false, reason: 'no_matching_signature' });
    expect(check({ signature: undefined })).toEqual({ ok: false, reason: 'missing_header' });
    expect(check({ timestamp: '2026-11-02' })).toEqual({ ok: false, reason: 'bad_timestamp' });
  });

  it('bounds replays by the timestamp tolerance (300 s unless told)', () => {
    const old = T - 301;
    const signature = signAlert([SECRET], old, BODY);
    expect(verifyAlertSignature({ secret: SECRET, body: BODY, timestamp: String(old), signature, now: NOW })).toEqual({ ok: false, reason: 'timestamp_out_of_tolerance' });
    expect(verifyAlertSignature({ secret: SECRET, body: BODY, timestamp: String(old), signature, now: NOW, toleranceSeconds: 600 })).toEqual({ ok: true });
  });

  it('signs with the new and the previous secret during a rotation: either verifies', () => {
    const signature = signAlert(['whsec_new', 'whsec_old'], T, BODY);
    expect(signature.split(', ')).toHaveLength(2);
    for (const secret of ['whsec_new', 'whsec_old']) {
      expect(verifyAlertSignature({ secret, body: Buffer.from(BODY), timestamp: String(T), signature, now: NOW })).toEqual({ ok: true });
    }
    expect(verifyAlertSignature({ secret: 'whsec_other', body: BODY, timestamp: String(T), signature, now: NOW }).ok).toBe(false);
  });
});
