import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { auditTenant } from '../../apps/ledger/src/audit/audit.js';
import { DirectoryAnchor } from '../../apps/ledger/src/checkpoint/anchor.js';
import { startLedger, type RunningLedger } from '../../apps/ledger/src/ledger.js';
import { decisionEvent, message, produce, type Producer } from '../../apps/ledger/test/support/decisions.js';
import { count, eventually, ledgerTestContext, orderedProducer, pg, quietLog, type LedgerTestContext } from '../../apps/ledger/test/support/ledger-harness.js';
import type { ControlPlane } from '../../apps/control-plane/src/control-plane.js';
import { call, createAppLoginRole, signUp, startControlPlane } from '../../apps/control-plane/test/integration/support/control-plane.js';
import { openDatabase, type DatabaseHandle } from '../../libs/db/src/index.js';
import { consistencyProof, openCheckpoint, parseVerifierKey, verifyConsistency, type NodeId } from '../../libs/merkle/src/index.js';
import { createTestDatabase, dropTestDatabase, testAdminUrl, withDatabase } from '../../libs/testing/src/index.js';

// Acceptance 3 of issue 23: a backup taken with infra/backup/backup.sh while decisions and control
// plane commands flow, more traffic, restore.sh into a fresh database, rebuild-projections, and a
// ledger on the restored database that catches up from the Kafka offsets it restored: every
// produced decision once, and its next checkpoint consistent with the last one anchored before
// the backup, including the checkpoints anchored after it (the anchor outlives the database).
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const TENANTS = [randomUUID(), randomUUID()];
const run = promisify(execFile);

async function asAdmin(statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: testAdminUrl() });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}

describe('backup mid-traffic, restore into a fresh database', () => {
  let ctx: LedgerTestContext;
  let producer: Producer;
  let role: Awaited<ReturnType<typeof createAppLoginRole>>;
  let cp: ControlPlane | undefined;
  let ledger: RunningLedger | undefined;
  let restored: DatabaseHandle | undefined;
  let admin: pg.Client | undefined;
  let stopTraffic: (() => Promise<void>) | undefined;
  // The backup's login role, as docs/backup-restore.md creates it: reads everything, past row-level security.
  const backupRole = `thoth_backup_${inject('thoth.runId')}`;
  const restoredName = `thoth_test_${inject('thoth.runId')}_restore_target`;
  const backupRoot = mkdtempSync(join(tmpdir(), 'thoth-backup-'));
  const produced: string[] = [];

  beforeAll(async () => {
    ctx = await ledgerTestContext('restore');
    // One partition: a decision's place in its tenant's log depends only on the partition's order,
    // so the re-fold after the restore rebuilds the very trees the anchors already hold (see
    // docs/backup-restore.md for several partitions).
    await ctx.createTopic(1);
    await ctx.trust(TENANTS);
    producer = await orderedProducer('ledger-restore-producer');
    role = await createAppLoginRole();
    await asAdmin(`CREATE ROLE ${backupRole} LOGIN PASSWORD 'backup' BYPASSRLS IN ROLE pg_read_all_data`);
  });

  afterAll(async () => {
    await stopTraffic?.().catch(() => undefined);
    await ledger?.stop();
    await cp?.close();
    await restored?.close();
    await admin?.end();
    await producer?.disconnect();
    await dropTestDatabase(inject('thoth.serverUrl'), restoredName);
    await role?.drop();
    await ctx?.cleanup();
    await asAdmin(`DROP ROLE IF EXISTS ${backupRole}`);
    rmSync(backupRoot, { recursive: true, force: true });
  });

  it('rebuilds the same read models, folds every decision once and checkpoints consistently with the anchors', async () => {
    const sourceName = new URL(ctx.ownerUrl).pathname.slice(1);
    cp = await startControlPlane(withDatabase(role.url, sourceName));
    const tenant = await signUp(cp.url, 'Restore');
    ledger = await startLedger(ctx.config(), quietLog, {}, { api: false });
    const anchor = new DirectoryAnchor(ctx.anchorDir);

    // Traffic: batches of decisions into Kafka, and control plane commands, until told to stop.
    let flowing = true;
    let round = 0;
    const traffic = (async () => {
      while (flowing) {
        const events = Array.from({ length: 25 }, (_, i) => decisionEvent(TENANTS[(round + i) % TENANTS.length]!, round * 25 + i));
        produced.push(...events.map((e) => e.decisionId));
        await produce(producer, ctx.topic, events.map(message));
        const answer = await call(cp!.url, 'POST', '/v1/agents', { key: tenant.key, body: { name: `agent-${round}`, labels: { round: String(round) } } });
        if (answer.status !== 201) throw new Error(`creating an agent: ${answer.status} ${JSON.stringify(answer.body)}`);
        if (round % 3 === 0) await call(cp!.url, 'POST', `/v1/agents/${answer.body.agent.id}/suspend`, { key: tenant.key, body: { reason: `round ${round}` } });
        round += 1;
      }
    })();
    stopTraffic = async () => {
      flowing = false;
      await traffic;
    };
    const anchored = async (tenantId: string) => (await anchor.list(tenantId)).at(-1) ?? 0;
    await eventually(async () => (await Promise.all(TENANTS.map(anchored))).every((size) => size >= 100), 'a checkpoint of 100 entries anchored for every tenant');

    // The last checkpoint of each tenant anchored before the backup starts.
    const before = new Map<string, { size: number; note: string }>();
    for (const tenantId of TENANTS) {
      const size = await anchored(tenantId);
      before.set(tenantId, { size, note: (await anchor.get(tenantId, size))! });
    }
    const backup = join(backupRoot, 'backup');
    const backupUrl = new URL(ctx.ownerUrl);
    backupUrl.username = backupRole;
    backupUrl.password = 'backup';
    await run('bash', [join(ROOT, 'infra/backup/backup.sh'), backupUrl.toString(), ctx.anchorDir, backup]);
    const roundsAtBackup = round;
    await eventually(async () => round >= roundsAtBackup + 10, 'ten more rounds of traffic after the backup');
    await stopTraffic();
    await eventually(async () => (await count(ctx.owner, 'SELECT count(*) AS n FROM ledger_entries')) === produced.length, 'the source ledger folded everything');
    await eventually(
      async () => (await count(ctx.owner, 'SELECT count(*) AS n FROM ledger_trees t WHERE t.size > (SELECT coalesce(max(size), 0) FROM ledger_checkpoints c WHERE c.tenant_id = t.tenant_id)')) === 0,
      'the source ledger anchored its last checkpoints',
    );
    await ledger.stop();
    ledger = undefined;
    await cp.close();
    cp = undefined;
    const sourceEvents = await ctx.owner.sql.query<Record<string, unknown>>('SELECT * FROM events ORDER BY position');

    // Restore into a fresh, empty database.
    const restoredOwnerUrl = await createTestDatabase(inject('thoth.serverUrl'), restoredName);
    // As the superuser, as the document says: it sets the owners (thoth_definer…) and writes past row-level security.
    const restoredAdminUrl = withDatabase(ctx.adminUrl, restoredName);
    await run('bash', [join(ROOT, 'infra/backup/restore.sh'), backup, restoredAdminUrl]);
    restored = await openDatabase({ url: restoredOwnerUrl, maxConnections: 2 });
    admin = new pg.Client({ connectionString: restoredAdminUrl });
    await admin.connect();

    // The restored event store is the source's as of one instant: a prefix of what the source holds now.
    const restoredEvents = (await admin.query<Record<string, unknown>>('SELECT * FROM events ORDER BY position')).rows;
    expect(restoredEvents.length).toBeGreaterThan(0);
    expect(restoredEvents.length).toBeLessThan(sourceEvents.length);
    expect(restoredEvents).toEqual(sourceEvents.slice(0, restoredEvents.length));

    // The control plane's tables as restored (the source's at backup time), then rebuilt by the command.
    const tables = (
      await admin.query<{ table_name: string }>(
        `SELECT table_name FROM information_schema.tables
         WHERE table_schema = 'public' AND table_type = 'BASE TABLE' AND table_name <> 'thoth_migrations'
           AND has_table_privilege('thoth_app', format('%I.%I', table_schema, table_name), 'SELECT')
         ORDER BY 1`,
      )
    ).rows.map((r) => r.table_name);
    expect(tables).toEqual(expect.arrayContaining(['agents', 'tenants', 'api_keys', 'events']));
    const readModels = async () => {
      const out: Record<string, string[]> = {};
      for (const table of tables) out[table] = (await admin!.query(`SELECT * FROM "${table}"`)).rows.map((r) => JSON.stringify(r)).sort();
      return out;
    };
    const atBackup = await readModels();
    expect(atBackup['agents']!.length).toBeGreaterThanOrEqual(10);
    // Damage the read models: the rebuild, not the dump, must bring the rows back.
    await admin.query('DELETE FROM agents');
    await admin.query(`UPDATE tenants SET name = 'damaged'`);
    await run(process.execPath, ['--import', 'tsx', 'apps/control-plane/src/rebuild-projections.ts'], {
      cwd: ROOT,
      env: { PATH: process.env['PATH'] ?? '', DATABASE_URL: withDatabase(role.url, restoredName), THOTH_LOG_LEVEL: 'warn' },
    });
    expect(await readModels()).toEqual(atBackup);

    // The anchors hold checkpoints the restored ledger has not reached yet (anchored after the backup).
    const restoredSize = async (tenantId: string) => Number((await restored!.sql.query<{ size: string }>('SELECT size::text FROM ledger_trees WHERE tenant_id = $1', [tenantId]))[0]?.size ?? 0);
    for (const tenantId of TENANTS) {
      expect(await restoredSize(tenantId)).toBeGreaterThanOrEqual(before.get(tenantId)!.size);
      expect(await anchored(tenantId)).toBeGreaterThan(await restoredSize(tenantId));
    }

    // A ledger on the restored database, the same anchor, group and key: it resumes from the restored offsets.
    const next = new Map<string, { size: number; note: string }>();
    ledger = await startLedger(ctx.config({ DATABASE_URL: withDatabase(ctx.appUrl, restoredName) }), quietLog, {
      onCheckpoint: (signed) => {
        if (!next.has(signed.tenantId)) next.set(signed.tenantId, { size: signed.size, note: signed.note });
      },
    }, { api: false });
    await eventually(async () => (await count(restored!, 'SELECT count(*) AS n FROM ledger_entries')) === produced.length, 'the restored ledger caught up');
    await eventually(async () => TENANTS.every((t) => next.has(t)), 'a checkpoint of every tenant on the restored ledger');
    await ledger.stop();
    ledger = undefined;

    const folded = (await restored.sql.query<{ decision_id: string }>('SELECT decision_id FROM ledger_entries')).map((r) => r.decision_id);
    expect(folded).toHaveLength(produced.length);
    expect(new Set(folded)).toEqual(new Set(produced));

    const verifier = parseVerifierKey(ctx.verifierKey);
    if (!verifier.ok) throw new Error(verifier.reason);
    for (const tenantId of TENANTS) {
      const last = openCheckpoint(before.get(tenantId)!.note, [verifier.value]);
      const first = openCheckpoint(next.get(tenantId)!.note, [verifier.value]);
      if (!last.ok || !first.ok) throw new Error('a checkpoint did not open');
      const m = last.value.checkpoint.size;
      const n = first.value.checkpoint.size;
      expect(n).toBeGreaterThan(m);
      const nodes = await restored.sql.query<{ level: number; index: string; hash: Buffer }>('SELECT level, index::text, hash FROM ledger_nodes WHERE tenant_id = $1', [tenantId]);
      const byId = new Map(nodes.map((r) => [`${r.level}/${r.index}`, new Uint8Array(r.hash)]));
      const store = {
        getNodes: (ids: readonly NodeId[]) =>
          ids.map((id) => {
            const hash = byId.get(`${id.level}/${id.index}`);
            if (!hash) throw new Error(`node ${id.level}/${id.index} missing`);
            return hash;
          }),
      };
      const proved = verifyConsistency(m, n, last.value.checkpoint.rootHash, first.value.checkpoint.rootHash, consistencyProof(store, m, n));
      expect(proved, `tenant ${tenantId}: ${m} → ${n}`).toEqual({ ok: true, value: undefined });
      // Every anchored checkpoint, those anchored after the backup included, agrees with the restored log.
      const audit = await auditTenant({ sql: restored.sql, tenantId, anchor, verifier: verifier.value });
      expect(audit.findings, tenantId).toEqual([]);
    }
  }, 90_000);
});
