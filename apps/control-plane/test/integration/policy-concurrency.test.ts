import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ControlPlane } from '../../src/control-plane.js';
import { call, createAppLoginRole, signUp, startControlPlane } from './support/control-plane.js';
import { policySource, queryAsTenant } from './support/contexts.js';

// Two authors publish against the same policy version at the same moment: exactly one wins,
// the other gets 409, and the stream stays gapless and duplicate-free.

const ROUNDS = 20;
let role: Awaited<ReturnType<typeof createAppLoginRole>>;
let cp: ControlPlane;
let tenant: Awaited<ReturnType<typeof signUp>>;

beforeAll(async () => {
  role = await createAppLoginRole();
  cp = await startControlPlane(role.url);
  tenant = await signUp(cp.url, 'Racing Inc');
  const first = await call(cp.url, 'PUT', '/v1/policy', { key: tenant.key, body: { source: policySource('0') }, headers: { 'if-none-match': '*' } });
  expect(first.status).toBe(200);
});
afterAll(async () => {
  await cp?.close();
  await role?.drop();
});

describe('concurrent publishes against the same policy version', () => {
  it(`let exactly one win and answer the other 409, ${ROUNDS} times over`, async () => {
    for (let round = 1; round <= ROUNDS; round++) {
      const current = round; // version 1 was published in beforeAll; each round adds one
      const publish = (author: string) =>
        call(cp.url, 'PUT', '/v1/policy', {
          key: tenant.key,
          body: { source: policySource(`${round}-${author}`) },
          headers: { 'if-match': `"${current}"`, 'x-request-id': `race-${round}-${author}` },
        });
      const answers = await Promise.all([publish('alice'), publish('bob')]);
      const statuses = answers.map((a) => a.status).sort();
      expect(statuses, JSON.stringify(answers.map((a) => a.body))).toEqual([200, 409]);
      const loser = answers.find((a) => a.status === 409)!;
      expect(['policy.version_stale', 'concurrency.conflict']).toContain(loser.body.code);
      const winner = answers.find((a) => a.status === 200)!;
      expect(winner.body.currentVersion).toBe(current + 1);
    }

    const stream = await queryAsTenant<{ version: number; type: string; payload: { version: number } }>(
      cp,
      tenant.tenantId,
      'SELECT version, type, payload FROM events WHERE stream_id = $1 ORDER BY version',
      [`policy-${tenant.tenantId}`],
    );
    expect(stream.map((e) => e.version)).toEqual(Array.from({ length: ROUNDS + 1 }, (_, i) => i + 1));
    expect(stream.map((e) => e.payload.version)).toEqual(Array.from({ length: ROUNDS + 1 }, (_, i) => i + 1));
    const versions = await call(cp.url, 'GET', '/v1/policy/versions', { key: tenant.key });
    expect(versions.body.items.map((v: { version: number }) => v.version)).toEqual(Array.from({ length: ROUNDS + 1 }, (_, i) => i + 1));
  });
});
