import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import { readFileSync } from 'node:fs';
import { DecisionEventSchema, Effect, WindowUpdateSchema, type DecisionEvent } from '@thoth/contracts';
import { describe, expect, it } from 'vitest';
import { judgeDecisionEvent, TenantReceiptKeys } from './decision-trust.js';
import { signDecisionEvents } from './event-digest.js';
import { publicKeyBase64, signerFromSeed } from './keys.js';
import { believedAsPublished, judgePublishedDecision } from './published-decision.js';

const key = signerFromSeed(Buffer.alloc(32, 31).toString('base64'));
const other = signerFromSeed(Buffer.alloc(32, 32).toString('base64'));
const keys = TenantReceiptKeys.of([{ keyId: key.keyId, publicKey: publicKeyBase64(key), instanceId: 'edge-1' }]);
const tenantId = '00000000-0000-4000-8000-000000000001';

function events(n: number, options: { signer?: typeof key; agentId?: string; reason?: string } = {}): DecisionEvent[] {
  const list = Array.from({ length: n }, (_, i) =>
    create(DecisionEventSchema, {
      decisionId: `d-${i}`,
      requestId: `r-${i}`,
      tenantId,
      agentId: options.agentId ?? 'crm-agent',
      tool: 'crm.delete',
      effect: Effect.DENY,
      enforcerId: 'edge-1',
      matchedRules: [{ ruleId: 'blast', reason: options.reason ?? 'at most 50' }],
      windowUpdates: [create(WindowUpdateSchema, { key: `L\u0000blast\u0000${tenantId}\u0000a`, windowMs: 60_000n, calls: 1 })],
      receipt: { decisionId: `d-${i}`, tenantId, reasons: [options.reason ?? 'at most 50'], policyVersion: 7n, configVersion: 3n },
    }),
  );
  signDecisionEvents(list, options.signer ?? key);
  return list;
}

const bytesOf = (event: DecisionEvent) => toBinary(DecisionEventSchema, event);

/** What the ledger's rule says of the decoded event; 'throws' for bytes that do not decode. */
function reference(bytes: Uint8Array): object | 'throws' {
  let event: DecisionEvent;
  try {
    event = fromBinary(DecisionEventSchema, bytes);
  } catch {
    return 'throws';
  }
  return { ...judgeDecisionEvent(event, keys, bytes), keyId: event.receipt?.keyId ?? '' };
}

function judged(bytes: Uint8Array): object | 'throws' {
  try {
    return judgePublishedDecision(bytes, keys);
  } catch {
    return 'throws';
  }
}

describe('judgePublishedDecision', () => {
  it('believes every event of a signed batch on its bytes', () => {
    const batch = events(7).map(bytesOf);
    // Strings beyond ASCII too: the leaf entry holds their UTF-8 bytes as the signer wrote them.
    batch.push(...events(1, { agentId: 'agent-é-✓', reason: 'at most 50 — per agent 🙂' }).map(bytesOf));
    expect(batch.map((b) => believedAsPublished(b, keys))).toEqual(Array(8).fill(true));
    expect(batch.map((b) => judgePublishedDecision(b, keys))).toEqual(Array(8).fill({ ok: true, keyId: key.keyId }));
  });

  it('gives the verdict of the decoded event for every single-byte change of a signed one', () => {
    const [first, second, third] = events(3).map(bytesOf);
    // Believed first: the changes of the others' paths meet the batch's remembered nodes.
    expect(judgePublishedDecision(first!, keys)).toEqual({ ok: true, keyId: key.keyId });
    for (const original of [second!, third!]) {
      for (let at = 0; at < original.length; at++) {
        const changed = original.slice();
        changed[at] = changed[at]! ^ 0x01;
        const verdict = reference(changed);
        expect({ at, verdict: judged(changed) }).toEqual({ at, verdict });
        // Never believed on its bytes unless the decoded event is.
        if (believedAsPublished(changed, keys)) expect({ at, verdict }).toMatchObject({ verdict: { ok: true } });
      }
    }
  });

  it('refuses, with the decoded verdict, what the rule refuses', () => {
    const [changed] = events(1);
    changed!.resource = 'crm/everything';
    const [elsewhere] = events(1);
    elsewhere!.enforcerId = 'edge-9';
    signDecisionEvents([elsewhere!], key);
    const [downgraded] = events(1);
    downgraded!.receipt!.receiptVersion = 2;
    const cases: Array<[Uint8Array, string]> = [
      [bytesOf(changed!), 'receipt.event_mismatch'],
      [bytesOf(elsewhere!), 'receipt.wrong_enforcer'],
      [bytesOf(downgraded!), 'receipt.bad_signature'],
      [bytesOf(create(DecisionEventSchema, { tenantId })), 'receipt.missing'],
    ];
    for (const [bytes, code] of cases) {
      expect(judgePublishedDecision(bytes, keys)).toMatchObject({ ok: false, code });
      expect(judgePublishedDecision(bytes, keys)).toEqual(reference(bytes));
    }
  });

  it('names an unknown receipt key', () => {
    const [foreign] = events(1, { signer: other });
    expect(judgePublishedDecision(bytesOf(foreign!), keys)).toMatchObject({ ok: false, code: 'receipt.unknown_key', keyId: other.keyId });
    expect(judgePublishedDecision(bytesOf(foreign!), keys)).toEqual(reference(bytesOf(foreign!)));
  });

  it('leaves to the decoder what protobuf-es would merge: a second receipt record', () => {
    const [a, b] = events(2).map(bytesOf);
    const receiptRecord = (bytes: Uint8Array) => {
      const event = fromBinary(DecisionEventSchema, bytes);
      return toBinary(DecisionEventSchema, create(DecisionEventSchema, { receipt: event.receipt! }));
    };
    const twice = Buffer.concat([a!, receiptRecord(b!)]);
    expect(believedAsPublished(twice, keys)).toBe(false);
    expect(judged(twice)).toEqual(reference(twice));
    expect(judged(Buffer.from([0xff, 0xff, 0xff]))).toBe('throws');
  });
});

describe('judgePublishedDecision on the golden wire fixtures', () => {
  // Events written by earlier versions and by the approvals' steps (libs/contracts/testdata): the
  // verdict on the bytes is the verdict on the decoded event, and the v3 ones are believed on bytes.
  const testdata = (name: string) => new Uint8Array(readFileSync(new URL(`../../contracts/testdata/${name}`, import.meta.url)));
  const fixtures = [
    ['decision-event.v1.bin', 'receipt-key.v1.pub'],
    ['decision-event.receipt-v3.bin', 'receipt-key.receipt-v3.pub'],
    ['decision-event.window-updates.bin', 'receipt-key.window-updates.pub'],
    ['decision-event.approval.bin', 'receipt-key.approval.pub'],
    ['decision-event.approval-used.bin', 'receipt-key.approval.pub'],
  ] as const;

  it.each(fixtures)('%s', (eventFile, keyFile) => {
    const bytes = testdata(eventFile);
    const event = fromBinary(DecisionEventSchema, bytes);
    const publicKey = readFileSync(new URL(`../../contracts/testdata/${keyFile}`, import.meta.url), 'utf8').trim();
    const golden = TenantReceiptKeys.of([{ keyId: event.receipt!.keyId, publicKey, instanceId: event.enforcerId }]);
    const onBytes = judgePublishedDecision(bytes, golden);
    expect(onBytes).toEqual({ ...judgeDecisionEvent(event, golden, bytes), keyId: event.receipt!.keyId });
    // A receipt before v3 does not cover the whole event: refused alike both ways.
    expect(onBytes.ok).toBe(event.receipt!.receiptVersion === 3);
    expect(believedAsPublished(bytes, golden)).toBe(event.receipt!.receiptVersion === 3);
  });
});
