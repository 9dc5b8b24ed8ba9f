import { describe, expect, it } from 'vitest';
import { keyring, publicKeyBase64, signerFromSeed, verifierFromPublicKey } from './keys.js';
import { openReceiptKeyRecord, signReceiptKeyEntry, type ReceiptKeyEntry } from './receipt-key-directory.js';

const controlPlane = signerFromSeed(Buffer.alloc(32, 7).toString('base64'));
const intruder = signerFromSeed(Buffer.alloc(32, 8).toString('base64'));
const enforcerKey = signerFromSeed(Buffer.alloc(32, 9).toString('base64'));
const trusted = keyring([verifierFromPublicKey(controlPlane.publicKey)]);
const entry: ReceiptKeyEntry = {
  tenantId: '00000000-0000-4000-8000-000000000001',
  enforcerId: '00000000-0000-4000-8000-000000000002',
  instanceId: 'edge-1',
  keyId: enforcerKey.keyId,
  publicKey: publicKeyBase64(enforcerKey),
  announcedAt: '2026-11-01T00:00:00.000Z',
  status: 'active',
};

describe('the receipt key directory', () => {
  it('believes an entry the control plane signed, under its own record key', () => {
    const record = signReceiptKeyEntry(entry, controlPlane);
    expect(record.key).toBe(`${entry.tenantId}/${entry.enforcerId}/${entry.keyId}/edge-1`);
    expect(openReceiptKeyRecord(record.key, record.value, trusted)).toEqual({ ok: true, entry });
  });

  it('refuses an entry signed by another key, changed after signing, filed under another key, or malformed', () => {
    const forged = signReceiptKeyEntry(entry, intruder);
    expect(openReceiptKeyRecord(forged.key, forged.value, trusted)).toMatchObject({ ok: false, code: 'directory.unknown_signer' });
    const real = signReceiptKeyEntry(entry, controlPlane);
    const moved = JSON.stringify({ ...JSON.parse(real.value), tenantId: '00000000-0000-4000-8000-000000000009' });
    expect(openReceiptKeyRecord(real.key, moved, trusted)).toMatchObject({ ok: false, code: 'directory.bad_signature' });
    expect(openReceiptKeyRecord('other/key', real.value, trusted)).toMatchObject({ ok: false, code: 'directory.key_mismatch' });
    const wrongId = signReceiptKeyEntry({ ...entry, keyId: 'ed25519:0000000000000000' }, controlPlane);
    expect(openReceiptKeyRecord(wrongId.key, wrongId.value, trusted)).toMatchObject({ ok: false, code: 'directory.key_mismatch' });
    expect(openReceiptKeyRecord(real.key, '{', trusted)).toMatchObject({ ok: false, code: 'directory.malformed' });
    expect(openReceiptKeyRecord(real.key, null, trusted)).toMatchObject({ ok: false, code: 'directory.malformed' });
  });
});
