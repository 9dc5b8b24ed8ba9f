// A rolling upgrade leaves enforcers one version behind publishing to today's ledger: the golden
// bytes they wrote (libs/contracts/testdata, receipt versions 1 and 2) must decode as entries, byte
// for byte, and be judged by today's rule. Their keys were never announced (announcements came
// with version 3), so the fold quarantines them with a stable code instead of refusing the batch;
// under an announced key an older receipt is a downgrade.
import { publicKeyBase64, TenantReceiptKeys, judgeDecisionEvent, verifierFromPublicKey } from '@thoth/snapshot';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decodeDecision } from './decode-decision.js';

const testdata = (name: string) => new Uint8Array(readFileSync(new URL(`../../../../libs/contracts/testdata/${name}`, import.meta.url)));
const announced = (pub: string, instanceId: string) => {
  const verifier = verifierFromPublicKey(new TextDecoder().decode(testdata(pub)).trim());
  return TenantReceiptKeys.of([{ keyId: verifier.keyId, publicKey: publicKeyBase64(verifier), instanceId }]);
};

describe('the ledger fold on decisions of the previous receipt versions', () => {
  const cases = [
    { name: 'decision-event.receipt-v1.bin', version: 0, key: 'receipt-key.receipt-v1.pub', enforcer: 'enforcer-receipt-v1' },
    { name: 'decision-event.v1.bin', version: 2, key: 'receipt-key.v1.pub', enforcer: 'enforcer-golden' },
    { name: 'decision-event.previous-0.bin', version: 2, key: 'receipt-key.previous.pub', enforcer: 'enforcer-previous' },
    { name: 'decision-event.previous-1.bin', version: 2, key: 'receipt-key.previous.pub', enforcer: 'enforcer-previous' },
  ];

  it.each(cases)('$name: decoded as an entry of its exact bytes, quarantined as receipt.unknown_key, a downgrade under an announced key', ({ name, version, key, enforcer }) => {
    const bytes = testdata(name);
    const decoded = decodeDecision(bytes);
    if (!decoded.ok) throw new Error(`${decoded.code}: ${decoded.reason}`);
    expect(decoded.entry).toEqual(bytes);
    expect(decoded.event).toMatchObject({ enforcerId: enforcer, receipt: { receiptVersion: version } });
    expect(judgeDecisionEvent(decoded.event, TenantReceiptKeys.NONE, decoded.entry)).toMatchObject({ ok: false, code: 'receipt.unknown_key' });
    expect(judgeDecisionEvent(decoded.event, announced(key, enforcer), decoded.entry)).toMatchObject({ ok: false, code: 'receipt.downgraded' });
  });
});
