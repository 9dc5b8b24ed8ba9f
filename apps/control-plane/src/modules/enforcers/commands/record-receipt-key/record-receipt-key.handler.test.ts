import { announceReceiptKey, generateSigningKey, receiptKeyProofPayload, signerFromSeed, tokenSha256, verifierFromPublicKey } from '@thoth/snapshot';
import { describe, expect, it } from 'vitest';
import { InMemoryEventStore } from '../../../../event-store/in-memory-event-store.js';
import { Enforcer, enforcerStreamId } from '../../domain/enforcer.aggregate.js';
import { RegisterEnforcerCommand } from '../register-enforcer/register-enforcer.command.js';
import { RegisterEnforcerHandler } from '../register-enforcer/register-enforcer.handler.js';
import { DecommissionEnforcerCommand } from '../decommission-enforcer/decommission-enforcer.command.js';
import { DecommissionEnforcerHandler } from '../decommission-enforcer/decommission-enforcer.handler.js';
import { at, caller, clock } from '../test-fixtures.js';
import { RecordReceiptKeyCommand } from './record-receipt-key.command.js';
import { RecordReceiptKeyHandler } from './record-receipt-key.handler.js';

async function setup() {
  const store = new InMemoryEventStore();
  const register = new RegisterEnforcerHandler(store, clock);
  const a = await register.execute(new RegisterEnforcerCommand(caller, 'edge-a'));
  const b = await register.execute(new RegisterEnforcerCommand(caller, 'edge-b'));
  const handler = new RecordReceiptKeyHandler(store, clock);
  const keys = async (enforcerId: string) => Enforcer.fromHistory(await store.load(caller.tenantId, enforcerStreamId(enforcerId))).receiptKeys;
  return { store, a, b, handler, keys };
}

describe('RecordReceiptKeyHandler', () => {
  it('records each key once per process; a restart with a new key adds it and keeps the old one', async () => {
    const { store, a, handler, keys } = await setup();
    const first = signerFromSeed(generateSigningKey());
    const second = signerFromSeed(generateSigningKey());
    await handler.execute(new RecordReceiptKeyCommand(caller, a.enforcerId, 'pod-1', announceReceiptKey(first, a.token, 'pod-1'), at(-10)));
    await handler.execute(new RecordReceiptKeyCommand(caller, a.enforcerId, 'pod-1', announceReceiptKey(first, a.token, 'pod-1'), at(-5))); // a reconnect
    await handler.execute(new RecordReceiptKeyCommand(caller, a.enforcerId, 'pod-1', announceReceiptKey(second, a.token, 'pod-1'), at(0))); // a restart
    expect(store.recorded.filter((e) => e.type === 'enforcer.receipt_key_announced')).toHaveLength(2);
    expect(await keys(a.enforcerId)).toEqual([
      { keyId: first.keyId, publicKey: Buffer.from(first.publicKey).toString('base64'), instanceId: 'pod-1', announcedAt: at(-10) },
      { keyId: second.keyId, publicKey: Buffer.from(second.publicKey).toString('base64'), instanceId: 'pod-1', announcedAt: at(0) },
    ]);
    // The stored proof checks again from the event alone, against the registration's token hash.
    const event = store.recorded.find((e) => e.type === 'enforcer.receipt_key_announced')!;
    const p = event.payload as { publicKey: string; proof: string; instanceId: string };
    const payload = receiptKeyProofPayload({ tokenSha256: tokenSha256(a.token), instanceId: p.instanceId, publicKey: Buffer.from(p.publicKey, 'base64') });
    expect(verifierFromPublicKey(p.publicKey).verify(payload, Buffer.from(p.proof, 'base64'))).toBe(true);
  });

  it('refuses an announcement proved for another registration, another process, or by another key', async () => {
    const { store, a, b, handler, keys } = await setup();
    const victim = signerFromSeed(generateSigningKey());
    const mine = signerFromSeed(generateSigningKey());
    const victims = announceReceiptKey(victim, b.token, 'pod-b');
    // b's announcement replayed as a's; proved for another process; someone's public key with my proof.
    for (const [instanceId, announcement] of [
      ['pod-b', victims],
      ['pod-a', announceReceiptKey(victim, a.token, 'pod-b')],
      ['pod-a', { publicKey: victim.publicKey, proof: announceReceiptKey(mine, a.token, 'pod-a').proof }],
    ] as const) {
      await expect(handler.execute(new RecordReceiptKeyCommand(caller, a.enforcerId, instanceId, announcement, at(0)))).rejects.toMatchObject({ code: 'enforcer.invalid_receipt_key' });
    }
    expect(await keys(a.enforcerId)).toEqual([]);
    await handler.execute(new RecordReceiptKeyCommand(caller, b.enforcerId, 'pod-b', victims, at(0)));
    expect((await keys(b.enforcerId)).map((k) => k.keyId)).toEqual([victim.keyId]);
    await new DecommissionEnforcerHandler(store, clock).execute(new DecommissionEnforcerCommand(caller, b.enforcerId, null));
    await expect(handler.execute(new RecordReceiptKeyCommand(caller, b.enforcerId, 'pod-b', announceReceiptKey(mine, b.token, 'pod-b'), at(1)))).rejects.toMatchObject({
      code: 'enforcer.decommissioned',
    });
  });
});
