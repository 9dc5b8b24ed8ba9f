import { describe, expect, it } from 'vitest';
import { MarkEnforcerSeenCommand } from '../commands/mark-enforcer-seen/mark-enforcer-seen.command.js';
import { RecordEnforcerActivationCommand } from '../commands/record-enforcer-activation/record-enforcer-activation.command.js';
import { RecordEnforcerRejectionCommand } from '../commands/record-enforcer-rejection/record-enforcer-rejection.command.js';
import { RecordReceiptKeyCommand } from '../commands/record-receipt-key/record-receipt-key.command.js';
import { EnforcerStatusRecorder } from './enforcer-status.recorder.js';

describe('EnforcerStatusRecorder', () => {
  it('turns ACK, NACK and (thinned) heartbeats into commands on the enforcer’s stream', async () => {
    const sent: unknown[] = [];
    const recorder = new EnforcerStatusRecorder({ execute: async (command: unknown) => void sent.push(command) } as never);
    const who = { enforcerId: 'e1', instanceId: 'pod-1' };
    await recorder.connected({ ...who, at: 0, tenantIds: ['t1'] });
    for (const at of [10_000, 30_000, 59_999, 60_000, 90_000]) await recorder.contact({ ...who, at });
    await recorder.acked({ ...who, at: 61_000, tenantId: 't1', version: 7n, nonce: 'n1' });
    await recorder.nacked({ ...who, at: 62_000, tenantId: 't1', version: 8n, nonce: 'n2', errorCode: 'POLICY_INVALID', errorMessage: 'x' });

    const seen = sent.filter((c): c is MarkEnforcerSeenCommand => c instanceof MarkEnforcerSeenCommand);
    expect(seen.map((c) => c.seenAt.getTime())).toEqual([0, 60_000]);
    expect(seen[0]?.caller).toEqual({ tenantId: 't1', actor: 'enforcer:e1', requestId: 'config-stream:seen' });
    const ack = sent.find((c): c is RecordEnforcerActivationCommand => c instanceof RecordEnforcerActivationCommand);
    expect(ack).toMatchObject({ enforcerId: 'e1', configVersion: 7, instanceId: 'pod-1', caller: { tenantId: 't1', requestId: 'config-stream:n1' } });
    const nack = sent.find((c): c is RecordEnforcerRejectionCommand => c instanceof RecordEnforcerRejectionCommand);
    expect(nack).toMatchObject({ configVersion: 8, errorCode: 'POLICY_INVALID' });
  });
});

describe('EnforcerStatusRecorder, receipt keys', () => {
  it('records the receipt key a connecting process announced, on the enforcer’s stream', async () => {
    const sent: unknown[] = [];
    const recorder = new EnforcerStatusRecorder({ execute: async (command: unknown) => void sent.push(command) } as never);
    const receiptKey = { publicKey: new Uint8Array(32).fill(7), proof: new Uint8Array(64) };
    await recorder.connected({ enforcerId: 'e1', instanceId: 'pod-1', at: 5_000, tenantIds: ['t1'], receiptKey });
    await recorder.connected({ enforcerId: 'e2', instanceId: 'pod-2', at: 5_000, tenantIds: ['t1'] });
    const recorded = sent.filter((c): c is RecordReceiptKeyCommand => c instanceof RecordReceiptKeyCommand);
    expect(recorded).toHaveLength(1);
    expect(recorded[0]).toMatchObject({ enforcerId: 'e1', instanceId: 'pod-1', announcement: receiptKey, announcedAt: new Date(5_000), caller: { tenantId: 't1', actor: 'enforcer:e1' } });
  });
});
