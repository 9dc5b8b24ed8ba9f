import { CommandBus } from '@nestjs/cqrs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ControlPlane } from '../../src/control-plane.js';
import { EnforcerTokenAuthenticator } from '../../src/modules/enforcers/config-stream/enforcer-token.authenticator.js';
import { MarkEnforcerSeenCommand } from '../../src/modules/enforcers/commands/mark-enforcer-seen/mark-enforcer-seen.command.js';
import { RecordEnforcerActivationCommand } from '../../src/modules/enforcers/commands/record-enforcer-activation/record-enforcer-activation.command.js';
import { RecordEnforcerRejectionCommand } from '../../src/modules/enforcers/commands/record-enforcer-rejection/record-enforcer-rejection.command.js';
import { call, createAppLoginRole, FixedClock, signUp, startControlPlane } from './support/control-plane.js';

const clock = new FixedClock(new Date('2026-06-01T12:00:00.000Z'));
let role: Awaited<ReturnType<typeof createAppLoginRole>>;
let cp: ControlPlane;
let admin: string;
let tenantId: string;
let readOnly: string;

beforeAll(async () => {
  role = await createAppLoginRole();
  cp = await startControlPlane(role.url, {}, clock);
  ({ key: admin, tenantId } = await signUp(cp.url, 'Edge Inc'));
  readOnly = (await call(cp.url, 'POST', '/v1/api-keys', { key: admin, body: { name: 'ro', role: 'read_only' } })).body.key;
});
afterAll(async () => {
  await cp?.close();
  await role?.drop();
});

describe('/v1/enforcers', () => {
  it('registers an enforcer and lists the config version it activated and when it was last seen', async () => {
    const registered = await call(cp.url, 'POST', '/v1/enforcers', { key: admin, body: { name: 'edge-us-west-2-a' } });
    expect(registered.status).toBe(201);
    expect(registered.body.token).toMatch(/^thoth_et_/);
    expect(registered.body.enforcer).toMatchObject({ name: 'edge-us-west-2-a', status: 'active', activeConfig: null, lastSeenAt: null });
    const id = registered.body.enforcer.id as string;

    // What the config stream's status sink dispatches on ACK / NACK / heartbeat.
    const commands = cp.app.get(CommandBus);
    const caller = { tenantId, actor: 'system:config-stream', requestId: 'test' };
    await commands.execute(new RecordEnforcerActivationCommand(caller, id, 7, new Date('2026-06-01T11:59:58.000Z'), 'a'.repeat(64), 'pod-1'));
    await commands.execute(new RecordEnforcerRejectionCommand(caller, id, 8, 'POLICY_INVALID', 'rule x', new Date('2026-06-01T11:59:59.000Z'), 'pod-1'));
    await commands.execute(new MarkEnforcerSeenCommand(caller, id, new Date('2026-06-01T12:01:30.000Z')));

    const list = await call(cp.url, 'GET', '/v1/enforcers', { key: readOnly });
    expect(list.body.items).toEqual([
      expect.objectContaining({
        id,
        activeConfig: { version: 7, contentHash: 'a'.repeat(64), activatedAt: '2026-06-01T11:59:58.000Z', instanceId: 'pod-1' },
        lastRejection: { version: 8, errorCode: 'POLICY_INVALID', errorMessage: 'rule x', rejectedAt: '2026-06-01T11:59:59.000Z' },
        lastSeenAt: '2026-06-01T12:01:30.000Z',
      }),
    ]);
    expect(JSON.stringify(list.body)).not.toContain(registered.body.token);
  });

  it('refuses bad input and wrong roles, and decommissions for good', async () => {
    const unknown = await call(cp.url, 'POST', '/v1/enforcers', { key: admin, body: { name: 'edge-b', region: 'x' } });
    expect([unknown.status, unknown.body.code]).toEqual([400, 'request.unknown_field']);
    const badName = await call(cp.url, 'POST', '/v1/enforcers', { key: admin, body: { name: 'Edge B' } });
    expect([badName.status, badName.body.code]).toEqual([422, 'enforcer.invalid_name']);
    const denied = await call(cp.url, 'POST', '/v1/enforcers', { key: readOnly, body: { name: 'edge-b' } });
    expect(denied.status).toBe(403);
    const { body } = await call(cp.url, 'POST', '/v1/enforcers', { key: admin, body: { name: 'edge-b' } });
    const stale = await call(cp.url, 'POST', `/v1/enforcers/${body.enforcer.id}/decommission`, { key: admin, body: {}, headers: { 'if-match': '"5"' } });
    expect([stale.status, stale.body.code]).toEqual([409, 'concurrency.conflict']);
    const authenticator = cp.app.get(EnforcerTokenAuthenticator);
    expect(await authenticator.authenticate(body.token)).toEqual({ enforcerId: body.enforcer.id, tenantIds: [tenantId] });
    const gone = await call(cp.url, 'POST', `/v1/enforcers/${body.enforcer.id}/decommission`, { key: admin, body: { reason: 'host retired' } });
    expect(await authenticator.authenticate(body.token)).toBeUndefined();
    expect(gone.body).toMatchObject({ status: 'decommissioned' });
    const caller = { tenantId, actor: 'system:config-stream', requestId: 'test' };
    await expect(cp.app.get(CommandBus).execute(new MarkEnforcerSeenCommand(caller, body.enforcer.id, clock.now()))).rejects.toMatchObject({ code: 'enforcer.decommissioned' });
  });
});
