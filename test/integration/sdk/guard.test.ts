// guard() and ThothClient against a real enforcer (in this process, over gRPC on loopback).
import { Outcome } from '@thoth/contracts';
import { Thoth, ThothDeniedError, ThothUnavailableError, credentialFingerprint, type GuardEvent } from '@thoth/sdk';
import { verifyReceipt } from '@thoth/snapshot';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../enforcers/harness.js';
import { AGENT, ENFORCE_TENANT, SHADOW_TENANT, startSdkEnforcer, type SdkEnforcer } from './sdk-enforcer.js';

describe('guard() through a real enforcer', () => {
  let enforcer: SdkEnforcer;
  beforeAll(async () => void (enforcer = await startSdkEnforcer('guard')));
  afterAll(() => enforcer?.stop());

  /** A CRM with a side effect we can observe. */
  const crm = () => {
    const deleted: number[] = [];
    return { deleted, deleteRecords: async (args: { table: string; ids: number[] }) => (deleted.push(...args.ids), { deleted: args.ids.length }) };
  };

  it('runs an allowed call; the enforcer records it with resource and credential fingerprint', async () => {
    const thoth = enforcer.thoth(ENFORCE_TENANT);
    const readContacts = thoth.guard(async (args: { id: number }) => ({ id: args.id, name: 'Ada' }), {
      name: 'crm.read_contacts',
      risk: 'read',
      resource: (args) => `crm://contacts/${args.id}`,
      credential: 'crm-api-key-secret',
    });
    await expect(readContacts({ id: 42 })).resolves.toEqual({ id: 42, name: 'Ada' });
    const [event] = thoth.events;
    expect(event?.outcome).toBe('allow');
    const recorded = await waitFor('the decision event', () => enforcer.recorded.find((e) => e.decisionId === (event?.outcome === 'allow' ? event.decision.decisionId : '')));
    expect(recorded).toMatchObject({ tool: 'crm.read_contacts', resource: 'crm://contacts/42', credentialFingerprint: credentialFingerprint('crm-api-key-secret'), agentId: AGENT.id });
  });

  it('does not run a denied call: typed error with rule, reason and a receipt that verifies', async () => {
    const thoth = enforcer.thoth(ENFORCE_TENANT);
    const { deleted, deleteRecords } = crm();
    const guarded = thoth.guard(deleteRecords, { name: 'crm.delete_records', risk: 'destructive', resource: (a) => `crm://${a.table}` });
    const error = await guarded({ table: 'executives', ids: [1, 2, 3] }).catch((e: unknown) => e);
    expect(deleted).toEqual([]);
    expect(error).toBeInstanceOf(ThothDeniedError);
    const denied = error as ThothDeniedError;
    expect(denied.code).toBe('DENIED');
    expect(denied.matchedRules.map((r) => r.ruleId)).toContain('code-freeze');
    expect(denied.matchedRules.find((r) => r.ruleId === 'code-freeze')?.kind).toBe('freeze_window');
    expect(denied.message).toMatch(/^Thoth blocked crm\.delete_records: rule code-freeze — freeze 'code-freeze' in effect.*Do not retry while the freeze lasts; ask a human\.$/);
    expect(denied.receipt?.outcome).toBe(Outcome.DENY);
    expect(denied.receipt?.decisionId).toBe(denied.decisionId);
    expect(verifyReceipt(denied.receipt!, enforcer.receiptKeys)).toEqual({ ok: true });
  });

  it('shadow mode runs the call and reports the would-deny', async () => {
    const thoth = enforcer.thoth(SHADOW_TENANT);
    const { deleted, deleteRecords } = crm();
    await thoth.guard(deleteRecords, { name: 'crm.delete_records', risk: 'destructive' })({ table: 'executives', ids: [7] });
    expect(deleted).toEqual([7]);
    const [event] = thoth.events;
    expect(event?.outcome).toBe('shadow_deny');
    if (event?.outcome !== 'shadow_deny') return;
    expect(event.decision.receipt?.outcome).toBe(Outcome.WOULD_DENY);
    expect(event.wouldDeny.matchedRules.map((r) => r.ruleId)).toContain('code-freeze');
  });

  it.each(['stream', 'unary'] as const)('a bad agent token is refused over %s, unrecorded: the tool does not run', async (transport) => {
    const bad = new Thoth({ address: enforcer.address, tenantId: ENFORCE_TENANT, agentId: AGENT.id, agentToken: 'thoth_at_wrong', deadlineMs: 5_000, transport });
    let ran = false;
    const error = await bad.guard(async () => void (ran = true), { name: 'crm.read_contacts', risk: 'read' })().catch((e: unknown) => e);
    bad.close();
    expect(ran).toBe(false);
    expect(error).toBeInstanceOf(ThothDeniedError);
    expect(error).toMatchObject({ code: 'UNAUTHENTICATED', decisionId: '' });
    expect((error as ThothDeniedError).message).toMatch(/^Thoth refused to check crm\.read_contacts \(UNAUTHENTICATED: no agent of this tenant holds this token: check the tenant id, the agent id and the token\), so it was not run\./);
  });

  it('pipelines many calls over DecideStream (the default) and unary Decide, with the same answers', async () => {
    const thoth = enforcer.thoth(ENFORCE_TENANT);
    const unary = enforcer.thoth(ENFORCE_TENANT, { transport: 'unary' });
    const calls = Array.from({ length: 200 }, (_, i) => (i % 4 === 0 ? 'crm.delete_records' : 'crm.read_contacts'));
    const decisions = await Promise.all(calls.map((tool) => thoth.client.decide({ tool, arguments: {} })));
    expect(decisions.map((d) => d.allow)).toEqual(calls.map((tool) => tool === 'crm.read_contacts'));
    expect(new Set(decisions.map((d) => d.decisionId)).size).toBe(200);
    const unaryDecisions = await Promise.all(calls.map((tool) => unary.client.decide({ tool, arguments: {} })));
    expect(unaryDecisions.map((d) => d.allow)).toEqual(decisions.map((d) => d.allow));
  });
});

describe('guard() when the enforcer is gone', () => {
  it('destructive fails closed; a read runs when reads fail open', async () => {
    const enforcer = await startSdkEnforcer('gone');
    const address = enforcer.address;
    await enforcer.stop(); // nothing listens at `address` any more
    const events: GuardEvent[] = [];
    const thoth = new Thoth({
      address,
      tenantId: ENFORCE_TENANT,
      agentId: AGENT.id,
      agentToken: AGENT.token,
      failMode: 'open',
      failOpenReads: true,
      retry: { backoffMs: 1 },
      onDecision: (e) => events.push(e),
    });
    let deletes = 0;
    let reads = 0;
    const del = thoth.guard(async () => void deletes++, { name: 'crm.delete_records', risk: 'destructive' });
    const read = thoth.guard(async () => void reads++, { name: 'crm.read_contacts', risk: 'read' });
    const error = await del().catch((e: unknown) => e);
    await read();
    expect(deletes).toBe(0);
    expect(reads).toBe(1);
    expect(error).toBeInstanceOf(ThothUnavailableError);
    expect((error as ThothUnavailableError).message).toMatch(/^crm\.delete_records was not run: the Thoth enforcer could not be reached \(UNAVAILABLE/);
    expect(events.map((e) => e.outcome)).toEqual(['fail_closed', 'fail_open']);
    thoth.close();
  });
});
