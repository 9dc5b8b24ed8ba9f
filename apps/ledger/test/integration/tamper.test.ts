import { parseVerifierKey } from '@thoth/merkle';
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditTenant } from '../../src/audit/audit.js';
import { DirectoryAnchor } from '../../src/checkpoint/anchor.js';
import { startLedger } from '../../src/ledger.js';
import { decisionEvent, encode, message, produce } from '../support/decisions.js';
import { count, eventually, ledgerTestContext, orderedProducer, quietLog, type LedgerTestContext } from '../support/ledger-harness.js';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const thoth = (args: string[]) =>
  run(join(ROOT, 'node_modules/.bin/tsx'), [join(ROOT, 'apps/cli/src/main.ts'), ...args], { cwd: ROOT }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (error: { code: number; stdout: string; stderr: string }) => ({ code: error.code, stdout: error.stdout, stderr: error.stderr }),
  );

const PER_TENANT = 30;
const tenants = { clean: randomUUID(), changed: randomUUID(), deleted: randomUUID(), swapped: randomUUID(), tail: randomUUID(), rebuilt: randomUUID() };

/** As the Postgres superuser: switch the triggers off, rewrite history, switch them on again. */
async function tamper(adminUrl: string, statements: Array<[string, unknown[]]>): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query('BEGIN');
    await client.query('ALTER TABLE ledger_entries DISABLE TRIGGER USER');
    await client.query('ALTER TABLE ledger_nodes DISABLE TRIGGER USER');
    for (const [text, params] of statements) await client.query(text, params);
    await client.query('ALTER TABLE ledger_entries ENABLE ALWAYS TRIGGER ledger_entries_append_only');
    await client.query('ALTER TABLE ledger_entries ENABLE ALWAYS TRIGGER ledger_entries_no_truncate');
    await client.query('ALTER TABLE ledger_nodes ENABLE ALWAYS TRIGGER ledger_nodes_append_only');
    await client.query('ALTER TABLE ledger_nodes ENABLE ALWAYS TRIGGER ledger_nodes_no_truncate');
    await client.query('COMMIT');
  } finally {
    await client.end();
  }
}

describe('tampering as the Postgres superuser is caught by `thoth audit`', () => {
  let ctx: LedgerTestContext;
  const decisions = new Map<string, string[]>(); // tenant → decision id by seq

  const audit = async (tenant: string) => {
    const verifier = parseVerifierKey(ctx.verifierKey);
    if (!verifier.ok) throw new Error(verifier.reason);
    return auditTenant({ sql: ctx.owner.sql, tenantId: tenant, anchor: new DirectoryAnchor(ctx.anchorDir), verifier: verifier.value });
  };
  const row = async (tenant: string, seq: number) =>
    (await ctx.owner.sql.query<{ decision_id: string; entry: Buffer }>('SELECT decision_id, entry FROM ledger_entries WHERE tenant_id = $1 AND seq = $2', [tenant, seq]))[0]!;

  beforeAll(async () => {
    ctx = await ledgerTestContext('tamper');
    await ctx.createTopic(3);
    await ctx.trust(Object.values(tenants));
    const producer = await orderedProducer('ledger-tamper-producer');
    const ledger = await startLedger(ctx.config(), quietLog, {}, { api: false });
    // Two rounds: each tenant gets at least two anchored checkpoints.
    for (const round of [0, 1]) {
      const events = Object.values(tenants).flatMap((t) => Array.from({ length: PER_TENANT / 2 }, (_, i) => decisionEvent(t, round * 100 + i)));
      await produce(producer, ctx.topic, events.map(message));
      const want = ((round + 1) * PER_TENANT) / 2;
      await eventually(
        async () => (await count(ctx.owner, 'SELECT count(*) AS n FROM ledger_checkpoints WHERE size = $1', [want])) === Object.keys(tenants).length,
        `checkpoints at size ${want}`,
      );
    }
    await ledger.stop();
    await producer.disconnect();
    for (const t of Object.values(tenants)) {
      const rows = await ctx.owner.sql.query<{ decision_id: string }>('SELECT decision_id FROM ledger_entries e WHERE tenant_id = $1 ORDER BY e.seq', [t]);
      decisions.set(t, rows.map((r) => r.decision_id));
    }
  });

  afterAll(async () => {
    await ctx?.cleanup();
  });

  it('passes an untouched log, from the CLI too', async () => {
    const report = await audit(tenants.clean);
    expect(report.findings).toEqual([]);
    expect(report).toMatchObject({ ok: true, entries: PER_TENANT, signaturesChecked: true });
    expect(report.anchoredCheckpoints).toBeGreaterThanOrEqual(2);
    const cli = await thoth(['audit', '--database-url', ctx.ownerUrl, '--tenant', tenants.clean, '--anchor-dir', ctx.anchorDir, '--key', ctx.verifierKey]);
    expect(cli.code).toBe(0);
    expect(cli.stdout).toMatch(/^audit ok/);
  });

  it('detects a changed row (a blocked delete rewritten as allowed) and names it', async () => {
    const seq = 11;
    const original = await row(tenants.changed, seq);
    const forged = encode({ ...decisionEvent(tenants.changed, 0, { decisionId: original.decision_id }), tool: 'crm.read_records' });
    await tamper(ctx.adminUrl, [['UPDATE ledger_entries SET entry = $3, tool = $4 WHERE tenant_id = $1 AND seq = $2', [tenants.changed, seq, forged, 'crm.read_records']]]);
    const report = await audit(tenants.changed);
    expect(report.ok).toBe(false);
    expect(report.firstBadEntry).toEqual({ seq, decisionId: original.decision_id, code: 'audit.leaf_mismatch' });
    expect(report.findings.map((f) => f.code)).toContain('audit.root_mismatch');

    const cli = await thoth(['audit', '--database-url', ctx.ownerUrl, '--tenant', tenants.changed, '--anchor-dir', ctx.anchorDir]);
    expect(cli.code).toBe(1);
    expect(cli.stderr).toContain(`first bad entry: seq ${seq}, decision ${original.decision_id} (audit.leaf_mismatch)`);
  });

  it('detects a deleted row and names the hole', async () => {
    const seq = 4;
    await tamper(ctx.adminUrl, [['DELETE FROM ledger_entries WHERE tenant_id = $1 AND seq = $2', [tenants.deleted, seq]]]);
    const report = await audit(tenants.deleted);
    expect(report.ok).toBe(false);
    expect(report.firstBadEntry).toEqual({ seq, decisionId: decisions.get(tenants.deleted)![seq + 1], code: 'audit.seq_gap' });
    expect(report.findings.map((f) => f.code)).toContain('audit.root_mismatch');
  });

  it('detects two swapped rows and names the first', async () => {
    const [a, b] = [7, 19];
    await tamper(ctx.adminUrl, [
      ['UPDATE ledger_entries SET seq = 1000000 WHERE tenant_id = $1 AND seq = $2', [tenants.swapped, a]],
      ['UPDATE ledger_entries SET seq = $2 WHERE tenant_id = $1 AND seq = $3', [tenants.swapped, a, b]],
      ['UPDATE ledger_entries SET seq = $2 WHERE tenant_id = $1 AND seq = 1000000', [tenants.swapped, b]],
    ]);
    const report = await audit(tenants.swapped);
    expect(report.ok).toBe(false);
    // Position 7 now holds what was entry 19.
    expect(report.firstBadEntry).toEqual({ seq: a, decisionId: decisions.get(tenants.swapped)![b], code: 'audit.leaf_mismatch' });
    expect(report.findings.filter((f) => f.code === 'audit.leaf_mismatch').map((f) => f.seq)).toEqual([a, b]);
  });

  it('detects the last entries cut off the end of the log', async () => {
    await tamper(ctx.adminUrl, [['DELETE FROM ledger_entries WHERE tenant_id = $1 AND seq >= $2', [tenants.tail, PER_TENANT - 2]]]);
    const report = await audit(tenants.tail);
    expect(report.ok).toBe(false);
    expect(report.firstBadEntry).toMatchObject({ seq: PER_TENANT - 2 });
    expect(report.findings.map((f) => f.code)).toContain('audit.checkpoint_beyond_log');
  });

  it('detects a rewrite that also rebuilt the Merkle nodes and re-signed nothing: the anchored roots disagree', async () => {
    const seq = 2;
    const original = await row(tenants.rebuilt, seq);
    const forged = encode(decisionEvent(tenants.rebuilt, 5000, { decisionId: original.decision_id }));
    // Rewrite the row AND its leaf node, so that only the roots signed earlier can tell.
    const { leafHash } = await import('@thoth/merkle');
    await tamper(ctx.adminUrl, [
      ['UPDATE ledger_entries SET entry = $3 WHERE tenant_id = $1 AND seq = $2', [tenants.rebuilt, seq, forged]],
      ['UPDATE ledger_nodes SET hash = $3 WHERE tenant_id = $1 AND level = 0 AND index = $2', [tenants.rebuilt, seq, Buffer.from(leafHash(forged))]],
    ]);
    const report = await audit(tenants.rebuilt);
    expect(report.ok).toBe(false);
    expect(report.findings.map((f) => f.code)).toContain('audit.root_mismatch');
    expect(report.firstBadEntry?.seq).toBeLessThanOrEqual(seq);
    // And the database copy of a checkpoint cannot be swapped for another without the anchor noticing.
    const file = join(ctx.anchorDir, tenants.rebuilt, `${PER_TENANT}.checkpoint`);
    chmodSync(file, 0o644);
    writeFileSync(file, 'not a checkpoint\n');
    expect((await audit(tenants.rebuilt)).findings.map((f) => f.code)).toContain('audit.checkpoint_invalid');
  });
});
