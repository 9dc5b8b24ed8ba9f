import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decisionEvent, encode } from '../support/decisions.js';
import { ledgerTestContext, type LedgerTestContext } from '../support/ledger-harness.js';

const APPEND_ONLY = ['ledger_entries', 'ledger_nodes', 'ledger_checkpoints', 'ledger_quarantine', 'ledger_quarantine_releases'];

async function sqlState(url: string, statements: string[]): Promise<string | undefined> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    for (const s of statements.slice(0, -1)) await client.query(s);
    await client.query(statements[statements.length - 1]!);
    return undefined;
  } catch (error) {
    return (error as { code?: string }).code;
  } finally {
    await client.end();
  }
}

describe('the ledger tables take INSERT only', () => {
  let ctx: LedgerTestContext;
  const tenant = randomUUID();

  beforeAll(async () => {
    ctx = await ledgerTestContext('append_only');
    const entry = encode(decisionEvent(tenant, 0));
    // As the worker's role: INSERT is allowed.
    const client = new pg.Client({ connectionString: ctx.appUrl });
    await client.connect();
    await client.query(
      `INSERT INTO ledger_entries (tenant_id, seq, decision_id, agent_id, tool, effect, shadow, entry, source_topic, source_partition, source_offset)
       VALUES ($1, 0, $2, 'crm-agent', 'crm.delete_records', 2, false, $3, 't', 0, 0)`,
      [tenant, randomUUID(), entry],
    );
    await client.query(`INSERT INTO ledger_nodes (tenant_id, level, index, hash) VALUES ($1, 0, 0, $2)`, [tenant, Buffer.alloc(32)]);
    await client.query(`INSERT INTO ledger_checkpoints (tenant_id, size, root_hash, note) VALUES ($1, 1, $2, 'n')`, [tenant, Buffer.alloc(32)]);
    await client.query(`INSERT INTO ledger_quarantine (topic, partition, "offset", value, reason_code, reason) VALUES ('t', 0, 1, '\\x00', 'event.empty', 'r')`);
    await client.query(`INSERT INTO ledger_quarantine_releases (quarantine_id, tenant_id, outcome, seq) VALUES (1, $1, 'folded', 0)`, [tenant]);
    await client.end();
  });

  afterAll(async () => {
    await ctx?.cleanup();
  });

  it('the worker role has no UPDATE, DELETE or TRUNCATE privilege (42501)', async () => {
    for (const table of APPEND_ONLY) {
      expect(await sqlState(ctx.appUrl, [`UPDATE ${table} SET ${table === 'ledger_quarantine' ? 'reason' : 'tenant_id'} = ${table === 'ledger_quarantine' ? "'x'" : 'tenant_id'}`]), table).toBe('42501');
      expect(await sqlState(ctx.appUrl, [`DELETE FROM ${table}`]), table).toBe('42501');
      expect(await sqlState(ctx.appUrl, [`TRUNCATE ${table}`]), table).toBe('42501');
    }
    // Nor can it take the owner's rights or switch the triggers off.
    expect(await sqlState(ctx.appUrl, ['ALTER TABLE ledger_entries DISABLE TRIGGER ALL'])).toBe('42501');
    expect(await sqlState(ctx.appUrl, ['SET ROLE thoth'])).toBe('42501');
  });

  it('the triggers refuse even the owner (TH001), and ENABLE ALWAYS keeps them on under replication role', async () => {
    for (const table of APPEND_ONLY) {
      expect(await sqlState(ctx.ownerUrl, [`DELETE FROM ${table}`]), table).toBe('TH001');
      expect(await sqlState(ctx.ownerUrl, [`TRUNCATE ${table}`]), table).toBe('TH001');
    }
    expect(await sqlState(ctx.ownerUrl, ['UPDATE ledger_entries SET tool = $$crm.read_records$$'])).toBe('TH001');
    expect(await sqlState(ctx.adminUrl, ['SET session_replication_role = replica', 'UPDATE ledger_entries SET tool = $$crm.read_records$$'])).toBe('TH001');
    expect(await sqlState(ctx.adminUrl, ['SET session_replication_role = replica', 'DELETE FROM ledger_entries'])).toBe('TH001');
    const [row] = await ctx.owner.sql.query<{ n: string; tool: string }>('SELECT count(*)::text AS n, min(tool) AS tool FROM ledger_entries');
    expect(row).toEqual({ n: '1', tool: 'crm.delete_records' });
  });

  it('the worker may advance its bookkeeping (tree sizes, offsets) but not delete it', async () => {
    const client = new pg.Client({ connectionString: ctx.appUrl });
    await client.connect();
    try {
      await client.query('INSERT INTO ledger_trees (tenant_id, size) VALUES ($1, 1)', [tenant]);
      await client.query('UPDATE ledger_trees SET size = 1 WHERE tenant_id = $1', [tenant]);
      await client.query(`INSERT INTO ledger_offsets (consumer_group, topic, partition, next_offset) VALUES ('g', 't', 0, 5)`);
    } finally {
      await client.end();
    }
    expect(await sqlState(ctx.appUrl, ['DELETE FROM ledger_offsets'])).toBe('42501');
    expect(await sqlState(ctx.appUrl, ['DELETE FROM ledger_trees'])).toBe('42501');
  });
});
