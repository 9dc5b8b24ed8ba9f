import { timestampFromMs } from '@bufbuild/protobuf/wkt';
import { ApprovalStep_Kind, Effect, Outcome, type DecisionEvent } from '@thoth/contracts';
import { CONTROL_PLANE_INSTANCE, generateSigningKey } from '@thoth/snapshot';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createControlPlane, type ControlPlane } from '../../src/control-plane.js';
import { decisionEvent, registerReceiptKey, signDecisionEvent } from '../../src/modules/decisions/ingest/test-fixtures.js';
import { DecisionRecordsRepository, type InProcessDecisionFeed } from '../../src/modules/decisions/index.js';
import { ApprovalDecisionPublisher } from '../../src/modules/approvals/index.js';
import { TenantDatabase } from '../../src/platform/database/tenant-database.js';
import { queryAsTenant } from './support/contexts.js';
import { call, FixedClock, signUp, testConfig } from './support/control-plane.js';
import { waitFor } from './support/wait.js';

// The embedded mode (PGlite, the in-process decision log instead of Kafka): a request arrives on
// the log, an approver approves it, and the control plane's signed decision goes to the same log,
// whence its own ingestion takes it back, verified with its own receipt key.

const NOW = Date.UTC(2026, 10, 2, 10, 0);

/** The in-process log, as the enforcer's InProcessDecisionLog offers it (subscribe, publish), delivering at once. */
class Feed implements InProcessDecisionFeed {
  readonly published: DecisionEvent[] = [];
  readonly #handlers = new Set<(events: readonly DecisionEvent[]) => Promise<void>>();

  subscribe(handler: (events: readonly DecisionEvent[]) => Promise<void>): () => void {
    this.#handlers.add(handler);
    return () => this.#handlers.delete(handler);
  }

  publish(event: DecisionEvent): void {
    this.published.push(event);
    for (const handler of this.#handlers) void handler([event]).catch(() => undefined);
  }
}

const feed = new Feed();
let cp: ControlPlane;

beforeAll(async () => {
  cp = await createControlPlane(
    testConfig('pglite:memory', { migrate: true, distribution: { grpc: { host: '127.0.0.1', port: 0 }, signingKey: generateSigningKey(), keyFile: '/nonexistent/snapshot.key' } }),
    { decisionFeed: feed, clock: new FixedClock(new Date(NOW)) },
  );
});
afterAll(async () => {
  await cp?.close();
});

describe('approvals, embedded', () => {
  it('takes the request from the in-process log and publishes the signed approval to it, which the read model believes', async () => {
    const { tenantId, key } = await signUp(cp.url, 'Embedded Approvals');
    await registerReceiptKey(new TenantDatabase(cp.database), tenantId);
    const approver = await call(cp.url, 'POST', '/v1/api-keys', { key, body: { name: 'on-call', role: 'approver' } });
    const request = decisionEvent({
      tenantId,
      decisionId: 'emb-apr-1',
      effect: Effect.REQUIRE_APPROVAL,
      shadow: false,
      approval: { kind: ApprovalStep_Kind.REQUESTED, requestId: 'emb-apr-1', expiresAt: timestampFromMs(NOW + 3_600_000), ruleIds: ['no-crm-deletes'] },
    });
    request.receipt!.outcome = Outcome.APPROVAL_REQUIRED;
    feed.publish(signDecisionEvent(request));
    await waitFor('the request recorded', async () => (await call(cp.url, 'GET', '/v1/approvals/emb-apr-1', { key: approver.body.key })).status === 200);

    const approved = await call(cp.url, 'POST', '/v1/approvals/emb-apr-1/approve', { key: approver.body.key, body: {} });
    expect(approved.body.status).toBe('approved');
    const own = await waitFor('the approval on the log', () => feed.published.find((e) => e.approval?.kind === ApprovalStep_Kind.APPROVED));
    expect(own.enforcerId).toBe(CONTROL_PLANE_INSTANCE);
    const recorded = await waitFor('the approval ingested back', async () => (await cp.app.get(DecisionRecordsRepository).find(tenantId, own.decisionId)) ?? false);
    expect(recorded.matchedRules.map((r) => r.ruleId)).toEqual(['approval:emb-apr-1']);
    const publishedAt = async () => (await queryAsTenant<{ published_at: Date | null }>(cp, tenantId, "SELECT published_at FROM approval_requests WHERE id = 'emb-apr-1'"))[0]!.published_at;
    await waitFor('the outbox row marked', async () => (await publishedAt()) !== null);

    // A crash after the commit, before the send was marked: the start's resync sends it (again).
    await queryAsTenant(cp, tenantId, "UPDATE approval_requests SET published_at = NULL WHERE id = 'emb-apr-1'");
    await cp.app.get(ApprovalDecisionPublisher).resync();
    await cp.app.get(ApprovalDecisionPublisher).idle();
    expect(feed.published.filter((e) => e.decisionId === own.decisionId)).toHaveLength(2);
    expect(await publishedAt()).not.toBeNull();
  });
});
