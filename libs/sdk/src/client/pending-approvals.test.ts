import { describe, expect, it } from 'vitest';
import { approvalBinding, PendingApprovals } from './pending-approvals.js';

const call = (args: string, resource = 'db://orders') => ({ tool: 'db.delete_rows', argumentsJson: new TextEncoder().encode(args), resource, credentialFingerprint: 'f'.repeat(64) });

describe('pending approvals, by binding', () => {
  it('binds the exact argument bytes, the resource and the credential', () => {
    expect(approvalBinding(call('{"ids":[1]}'))).toBe(approvalBinding(call('{"ids":[1]}')));
    expect(approvalBinding(call('{"ids":[2]}'))).not.toBe(approvalBinding(call('{"ids":[1]}')));
    expect(approvalBinding(call('{"ids": [1]}'))).not.toBe(approvalBinding(call('{"ids":[1]}')));
    expect(approvalBinding(call('{"ids":[1]}', 'db://invoices'))).not.toBe(approvalBinding(call('{"ids":[1]}')));
    expect(approvalBinding({ ...call('{"ids":[1]}'), credentialFingerprint: '' })).not.toBe(approvalBinding(call('{"ids":[1]}')));
  });

  it('forgets a request at its expiry, and the oldest first when full', () => {
    let now = 1_000;
    const pending = new PendingApprovals(2, () => now);
    pending.remember('a', { id: 'ra', expiresAt: new Date(5_000) });
    pending.remember('b', { id: 'rb', expiresAt: undefined });
    expect(pending.find('a')).toEqual({ approval: { id: 'ra', expiresAt: new Date(5_000) }, openedAt: 1_000, forgetAt: 5_000 });
    now = 5_000;
    expect(pending.find('a')).toBeUndefined();
    pending.remember('c', { id: 'rc', expiresAt: new Date(9_000) });
    pending.remember('d', { id: 'rd', expiresAt: new Date(9_000) });
    expect(pending.size).toBe(2);
    expect(pending.find('b')).toBeUndefined();
    expect(pending.find('d')?.approval.id).toBe('rd');
  });

  it('forgets only the request it is told about', () => {
    const pending = new PendingApprovals();
    pending.remember('a', { id: 'r2', expiresAt: undefined });
    pending.forget('a', 'r1');
    expect(pending.find('a')?.approval.id).toBe('r2');
    pending.forget('a', 'r2');
    expect(pending.find('a')).toBeUndefined();
  });
});
