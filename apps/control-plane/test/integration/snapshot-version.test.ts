import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ControlPlane } from '../../src/control-plane.js';
import { SnapshotVersionRepository } from '../../src/distribution/snapshot-version.repository.js';
import { TenantDatabase } from '../../src/platform/database/tenant-database.js';
import { call, createAppLoginRole, signUp, startControlPlane } from './support/control-plane.js';
import { queryAsTenant } from './support/contexts.js';

let role: Awaited<ReturnType<typeof createAppLoginRole>>;
let cp: ControlPlane;

beforeAll(async () => {
  role = await createAppLoginRole();
  cp = await startControlPlane(role.url);
});
afterAll(async () => {
  await cp?.close();
  await role?.drop();
});

describe('SnapshotVersionRepository', () => {
  it("is the position of the tenant's last event that changes a snapshot, past position 9 too", async () => {
    const { key, tenantId } = await signUp(cp.url, 'Versions Inc');
    const versions = new SnapshotVersionRepository(new TenantDatabase(cp.database));
    // Enough events for positions of two digits ('9' sorts after '10' as text).
    for (let i = 0; i < 12; i++) expect((await call(cp.url, 'POST', '/v1/agents', { key, body: { name: `agent-${i}` } })).status).toBe(201);
    await call(cp.url, 'POST', '/v1/api-keys', { key, body: { name: 'ro', role: 'read_only' } });

    const [last] = await queryAsTenant<{ position: string; type: string }>(
      cp,
      tenantId,
      `SELECT position::text AS position, type FROM events WHERE type = 'agent.registered' ORDER BY events.position DESC LIMIT 1`,
    );
    expect(BigInt(last!.position)).toBeGreaterThanOrEqual(10n);
    // The API key issued after it does not change what enforcers run.
    expect(await versions.latest(tenantId)).toBe(BigInt(last!.position));
    expect(await versions.latest('00000000-0000-4000-8000-00000000dead')).toBeUndefined();
  });
});
