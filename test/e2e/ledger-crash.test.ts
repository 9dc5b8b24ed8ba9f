import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditTenant } from '../../apps/ledger/src/audit/audit.js';
import { DirectoryAnchor } from '../../apps/ledger/src/checkpoint/anchor.js';
import { decisionEvent, message, produce, type Producer } from '../../apps/ledger/test/support/decisions.js';
import { count, eventually, ledgerTestContext, orderedProducer, pg, type LedgerTestContext } from '../../apps/ledger/test/support/ledger-harness.js';

// Acceptance 2 of the Ledger issue: real processes, SIGKILL while folding, exactly the produced set.
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const EVENTS = 100_000;
const REDELIVERED = 2_000; // sent twice, as a retrying enforcer would
const TENANTS = Array.from({ length: 8 }, () => randomUUID());
const KILLS = 6;
const APP = 'thoth-ledger-crash';

describe('ledger worker killed with SIGKILL while folding', () => {
  let ctx: LedgerTestContext;
  let producer: Producer;
  let worker: ChildProcess | undefined;
  let admin: pg.Client;
  const logFile = () => join(ctx.anchorDir, '..', `ledger-crash-${process.pid}.log`);

  beforeAll(async () => {
    ctx = await ledgerTestContext('crash');
    await ctx.createTopic(3);
    await ctx.trust(TENANTS);
    producer = await orderedProducer('ledger-crash-producer');
    admin = new pg.Client({ connectionString: ctx.adminUrl });
    await admin.connect();
  });

  afterAll(async () => {
    if (worker?.exitCode === null) process.kill(-worker.pid!, 'SIGKILL');
    await admin?.end();
    await producer?.disconnect();
    await ctx?.cleanup();
  });

  const start = (): ChildProcess => {
    const url = new URL(ctx.appUrl);
    url.searchParams.set('application_name', APP);
    const out = openSync(logFile(), 'a');
    // node --import tsx: one process, so SIGKILL hits the worker itself; detached, so its group can be killed too.
    const child = spawn(process.execPath, ['--import', 'tsx', 'apps/ledger/src/main.ts'], {
      cwd: ROOT,
      detached: true,
      stdio: ['ignore', out, out],
      env: { PATH: process.env['PATH'] ?? '', ...ctx.env, DATABASE_URL: url.toString(), THOTH_LEDGER_OPS_PORT: '0', THOTH_LOG_LEVEL: 'warn' },
    });
    closeSync(out);
    return child;
  };
  const exited = (child: ChildProcess) =>
    new Promise<NodeJS.Signals | number | null>((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve(child.signalCode ?? child.exitCode) : child.once('exit', (code, signal) => resolve(signal ?? code))));
  const folded = () => count(ctx.owner, 'SELECT count(*) AS n FROM ledger_entries');
  const openTransactions = async () =>
    Number((await admin.query<{ n: string }>(`SELECT count(*)::text AS n FROM pg_stat_activity WHERE application_name = $1 AND xact_start IS NOT NULL AND state <> 'idle'`, [APP])).rows[0]!.n);

  it('holds exactly the produced set afterwards: 0 missing, 0 duplicated, every tenant contiguous', async () => {
    const produced = new Set<string>();
    let sent = 0;
    const production = (async () => {
      // ~20 s of traffic at ~5,000 events/s, so that the kills land while events keep arriving.
      for (let start = 0; start < EVENTS; start += 5_000) {
        const events = Array.from({ length: 5_000 }, (_, i) => decisionEvent(TENANTS[(start + i) % TENANTS.length]!, start + i));
        for (const e of events) produced.add(e.decisionId);
        const again = start < 10_000 ? events.slice(0, REDELIVERED / 2) : []; // two chunks
        await produce(producer, ctx.topic, [...events, ...again].map(message), 1_000); // under the broker's 1 MB a batch, whatever partitions the keys land on
        sent += events.length + again.length;
        await new Promise((r) => setTimeout(r, 1_000));
      }
    })();

    let midTransaction = 0;
    const kills: Array<{ folded: number; openTx: number }> = [];
    for (let k = 0; k < KILLS; k++) {
      worker = start();
      const before = await folded();
      // Wait until this incarnation is folding, then kill it at a random moment inside a transaction.
      await eventually(async () => (await folded()) > before, `worker ${k} folding`, 60_000);
      await new Promise((r) => setTimeout(r, Math.floor(Math.random() * 400)));
      let open = 0;
      for (let tries = 0; tries < 200 && open === 0; tries++) open = await openTransactions();
      process.kill(-worker.pid!, 'SIGKILL');
      expect(await exited(worker)).toBe('SIGKILL');
      if (open > 0) midTransaction++;
      kills.push({ folded: await folded(), openTx: open });
    }
    await production;

    worker = start();
    const total = EVENTS + REDELIVERED;
    expect(sent).toBe(total);
    await eventually(
      async () => (await count(ctx.owner, 'SELECT coalesce(sum(next_offset), 0) AS n FROM ledger_offsets WHERE consumer_group = $1', [ctx.group])) === total,
      'every produced message consumed',
      150_000,
    );
    process.kill(worker.pid!, 'SIGTERM');
    expect(await exited(worker)).toBe(0);
    console.log(`[ledger crash] ${KILLS} SIGKILLs, ${midTransaction} with a fold transaction open: ${JSON.stringify(kills)}`);

    expect(kills).toHaveLength(KILLS);
    expect(midTransaction).toBeGreaterThanOrEqual(1);
    // Killed before everything was folded each time.
    expect(kills.every((k) => k.folded < EVENTS)).toBe(true);

    const rows = (await ctx.owner.sql.query<{ decision_id: string }>('SELECT decision_id FROM ledger_entries')).map((r) => r.decision_id);
    const stored = new Set(rows);
    expect(rows.length - stored.size, 'duplicated').toBe(0);
    expect([...produced].filter((id) => !stored.has(id)).length, 'missing').toBe(0);
    expect([...stored].filter((id) => !produced.has(id)).length, 'unexpected').toBe(0);
    expect(rows.length).toBe(EVENTS);

    const perTenant = await ctx.owner.sql.query<{ tenant_id: string; n: string; lo: string; hi: string; size: string }>(
      `SELECT e.tenant_id::text, count(*)::text AS n, min(e.seq)::text AS lo, max(e.seq)::text AS hi, t.size::text
         FROM ledger_entries e JOIN ledger_trees t USING (tenant_id) GROUP BY e.tenant_id, t.size`,
    );
    expect(perTenant).toHaveLength(TENANTS.length);
    for (const t of perTenant) {
      expect({ lo: t.lo, hi: Number(t.hi), size: Number(t.size) }).toEqual({ lo: '0', hi: Number(t.n) - 1, size: Number(t.n) });
    }
    expect(await count(ctx.owner, 'SELECT count(*) AS n FROM ledger_quarantine')).toBe(0);

    // The Merkle state survived every crash: roots recomputed from the rows match every checkpoint.
    const anchor = new DirectoryAnchor(ctx.anchorDir);
    for (const tenant of TENANTS) {
      const report = await auditTenant({ sql: ctx.owner.sql, tenantId: tenant, anchor });
      expect(report.findings, tenant).toEqual([]);
    }
    const fatal = readFileSync(logFile(), 'utf8').split('\n').filter((l) => l.includes('"level":60'));
    expect(fatal, 'fatal log lines').toEqual([]);
  });
});
