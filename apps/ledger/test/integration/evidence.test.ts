import { Effect } from '@thoth/contracts';
import { generateApiKey } from '@thoth/api-keys';
import { decodeBase64, openCheckpoint, parseVerifierKey, verifyConsistency } from '@thoth/merkle';
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EvidenceBundle } from '../../src/evidence/evidence-bundle.js';
import { verifyEvidenceBundle } from '../../src/evidence/verify-bundle.js';
import { startLedger, type RunningLedger } from '../../src/ledger.js';
import { issueTestKey } from '../support/api-keys.js';
import { withClient } from '../support/app-role.js';
import { decisionEvent, message, produce, type Producer } from '../support/decisions.js';
import { count, eventually, ledgerTestContext, orderedProducer, quietLog, type LedgerTestContext } from '../support/ledger-harness.js';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const thoth = (args: string[]) =>
  run(join(ROOT, 'node_modules/.bin/tsx'), [join(ROOT, 'apps/cli/src/main.ts'), ...args], { cwd: ROOT }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (error: { code: number; stdout: string; stderr: string }) => ({ code: error.code, stdout: error.stdout, stderr: error.stderr }),
  );

const TENANT = randomUUID();
const OTHER = randomUUID();

describe('proofs, evidence bundles and offline verification', () => {
  let ctx: LedgerTestContext;
  let ledger: RunningLedger;
  let producer: Producer;
  const events = Array.from({ length: 40 }, (_, i) => decisionEvent(i % 4 === 3 ? OTHER : TENANT, i));
  const blocked = events.find((e) => e.tenantId === TENANT && e.effect === Effect.DENY)!;
  const sizes: number[] = [];
  const keys: Record<'auditor' | 'admin' | 'readOnly' | 'policyAuthor' | 'revoked' | 'otherAuditor', string> = {} as never;
  // `key` null: no Authorization header (or the raw `authorization` given instead).
  const get = async (path: string, key: string | null = keys.auditor, authorization = key === null ? undefined : `Bearer ${key}`) => {
    const response = await fetch(`${ledger.url}${path}`, { headers: authorization ? { authorization } : {} });
    return {
      status: response.status,
      type: response.headers.get('content-type'),
      challenge: response.headers.get('www-authenticate'),
      body: (await response.json()) as Record<string, unknown>,
    };
  };

  beforeAll(async () => {
    ctx = await ledgerTestContext('evidence');
    await ctx.createTopic(3);
    await ctx.trust([TENANT, OTHER]);
    producer = await orderedProducer('ledger-evidence-producer');
    keys.auditor = await issueTestKey(ctx.owner, TENANT, 'auditor');
    keys.admin = await issueTestKey(ctx.owner, TENANT, 'admin');
    keys.readOnly = await issueTestKey(ctx.owner, TENANT, 'read_only');
    keys.policyAuthor = await issueTestKey(ctx.owner, TENANT, 'policy_author');
    keys.revoked = await issueTestKey(ctx.owner, TENANT, 'auditor', { revoked: true });
    keys.otherAuditor = await issueTestKey(ctx.owner, OTHER, 'auditor');
    ledger = await startLedger(ctx.config(), quietLog);
    // Two rounds, so the tenant has (at least) two checkpoints to prove consistent.
    for (const part of [events.slice(0, 20), events.slice(20)]) {
      await produce(producer, ctx.topic, part.map(message));
      const want = events.indexOf(part[part.length - 1]!) + 1;
      const mine = events.slice(0, want).filter((e) => e.tenantId === TENANT).length;
      await eventually(async () => (await count(ctx.owner, 'SELECT max(size) AS n FROM ledger_checkpoints WHERE tenant_id = $1', [TENANT])) === mine, 'checkpoint');
      sizes.push(mine);
    }
  });

  afterAll(async () => {
    await ledger?.stop();
    await producer?.disconnect();
    await ctx?.cleanup();
  });

  it("serves the caller's latest checkpoint with the verifier key; the key alone is public", async () => {
    const { status, body } = await get('/v1/checkpoint');
    expect(status).toBe(200);
    expect(body['tenantId']).toBe(TENANT);
    expect(body['verifierKey']).toBe(ctx.verifierKey);
    expect(body['size']).toBe(sizes[1]);
    expect(body['origin']).toBe(`thoth.dev/ledger/${TENANT}`);
    const verifier = parseVerifierKey(ctx.verifierKey);
    expect(verifier.ok && openCheckpoint(body['checkpoint'] as string, [verifier.value]).ok).toBe(true);

    const other = await get('/v1/checkpoint', keys.otherAuditor);
    expect(other.body).toMatchObject({ tenantId: OTHER, origin: `thoth.dev/ledger/${OTHER}`, size: events.length - sizes[1]! });
    const pub = await get('/v1/verifier-key', null);
    expect(pub).toMatchObject({ status: 200, body: { verifierKey: ctx.verifierKey } });
    expect((await get('/v1/checkpoint', null)).status).toBe(401);
  });

  it('serves a consistency proof between two signed sizes that verifies', async () => {
    const { status, body } = await get(`/v1/consistency-proof?from=${sizes[0]}&to=${sizes[1]}`);
    expect(status).toBe(200);
    const verifier = parseVerifierKey(ctx.verifierKey);
    if (!verifier.ok) throw new Error(verifier.reason);
    const old = await ctx.owner.sql.query<{ root_hash: Buffer }>('SELECT root_hash FROM ledger_checkpoints WHERE tenant_id = $1 AND size = $2', [TENANT, sizes[0]]);
    const opened = openCheckpoint(body['checkpoint'] as string, [verifier.value]);
    if (!opened.ok) throw new Error(opened.reason);
    const proof = (body['hashes'] as string[]).map((h) => decodeBase64(h)!);
    expect(verifyConsistency(sizes[0]!, sizes[1]!, new Uint8Array(old[0]!.root_hash), opened.value.checkpoint.rootHash, proof).ok).toBe(true);
    expect(verifyConsistency(sizes[0]!, sizes[1]!, new Uint8Array(32), opened.value.checkpoint.rootHash, proof).ok).toBe(false);
  });

  it('authenticates every evidence route: no key, a forged or unknown or revoked key is 401, policy_author is 403', async () => {
    const routes = ['/v1/checkpoint', `/v1/decisions/${blocked.decisionId}/evidence`, `/v1/decisions/${blocked.decisionId}/inclusion-proof`, '/v1/consistency-proof?from=1&to=2', '/v1/nowhere'];
    const { key: unknown } = generateApiKey();
    const secret = keys.auditor.slice(9, 41);
    const forged = keys.auditor.replace(secret, (secret[0] === 'a' ? 'b' : 'a') + secret.slice(1));
    for (const path of routes) {
      const none = await get(path, null);
      expect(none, path).toMatchObject({ status: 401, type: 'application/problem+json', challenge: 'Bearer realm="thoth"', body: { code: 'auth.missing_key' } });
      expect((await get(path, forged)).body['code'], path).toBe('auth.malformed_key');
      expect((await get(path, null, `Basic ${keys.auditor}`)).body['code'], path).toBe('auth.malformed_key');
      expect((await get(path, unknown)).body['code'], path).toBe('auth.unknown_key');
      const revoked = await get(path, keys.revoked);
      expect(revoked, path).toMatchObject({ status: 401, body: { code: 'auth.revoked_key' } });
      const author = await get(path, keys.policyAuthor);
      expect(author, path).toMatchObject({ status: 403, type: 'application/problem+json', body: { code: 'auth.forbidden_role' } });
      expect(JSON.stringify(author.body)).not.toContain(TENANT);
    }
    for (const key of [keys.admin, keys.readOnly, keys.auditor]) {
      expect((await get(`/v1/decisions/${blocked.decisionId}/evidence`, key)).status).toBe(200);
    }
  });

  it("scopes to the key's tenant: another tenant's decision is the same 404 as an id that exists nowhere", async () => {
    const foreign = await get(`/v1/decisions/${blocked.decisionId}/evidence`, keys.otherAuditor);
    const nowhere = await get(`/v1/decisions/${randomUUID()}/evidence`, keys.otherAuditor);
    expect(foreign).toMatchObject({ status: 404, type: 'application/problem+json', body: { code: 'ledger.decision_not_found' } });
    expect(foreign).toEqual(nowhere);
    expect(await get(`/v1/decisions/${randomUUID()}/evidence`, keys.auditor)).toEqual(nowhere);
    expect(JSON.stringify(foreign.body)).not.toContain(TENANT);
    expect(JSON.stringify(foreign.body)).not.toContain(blocked.decisionId);
    const foreignProof = await get(`/v1/decisions/${blocked.decisionId}/inclusion-proof`, keys.otherAuditor);
    expect(foreignProof).toEqual(await get(`/v1/decisions/${randomUUID()}/inclusion-proof`, keys.otherAuditor));
    // Tenant ids are no longer part of any path: the old routes are gone, not ignored.
    expect((await get(`/v1/tenants/${TENANT}/decisions/${blocked.decisionId}/evidence`, keys.otherAuditor)).body['code']).toBe('http.not_found');
    // Sizes beyond the other tenant's checkpoints: no proof, whatever tenant A's log holds.
    expect((await get(`/v1/consistency-proof?from=${sizes[0]}&to=${sizes[1]}`, keys.otherAuditor)).status).toBe(404);
  });

  it('answers errors as problem+json with stable codes', async () => {
    expect((await get('/v1/consistency-proof?from=5&to=2')).body['code']).toBe('ledger.bad_sizes');
    expect((await get('/v1/consistency-proof?from=x&to=2')).body['code']).toBe('http.bad_query');
    expect((await get('/v1/decisions/%E0%A4%A/evidence')).body['code']).toBe('http.bad_path');
    const newcomer = await issueTestKey(ctx.owner, randomUUID(), 'read_only');
    expect((await get('/v1/checkpoint', newcomer)).body['code']).toBe('ledger.no_checkpoint');
    const proof = await get(`/v1/decisions/${blocked.decisionId}/inclusion-proof`);
    expect(proof.status).toBe(200);
    expect(proof.body['treeSize']).toBe(sizes[1]);
  });

  it('reads under row-level security: the reader role sees nothing without a tenant, and only its tenant with one', async () => {
    // The quarantine too: a tenant's auditor reads its own quarantined decisions (GET /v1/quarantine).
    const tables = ['ledger_entries', 'ledger_nodes', 'ledger_checkpoints', 'ledger_quarantine', 'ledger_quarantine_releases'];
    const counts = async (client: pg.Client, tenant?: string) => {
      await client.query('BEGIN');
      try {
        await client.query('SET LOCAL ROLE thoth_ledger_reader');
        if (tenant) await client.query("SELECT set_config('thoth.tenant_id', $1, true)", [tenant]);
        const out: Record<string, { all: number; foreign: number }> = {};
        for (const table of tables) {
          const { rows } = await client.query<{ all: string; foreign: string }>(
            `SELECT count(*)::text AS all, count(*) FILTER (WHERE tenant_id IS DISTINCT FROM $1::uuid)::text AS foreign FROM ${table}`,
            [tenant ?? null],
          );
          out[table] = { all: Number(rows[0]!.all), foreign: Number(rows[0]!.foreign) };
        }
        return out;
      } finally {
        await client.query('ROLLBACK');
      }
    };
    await withClient(ctx.appUrl, async (client) => {
      // The worker's own role still sees (and folds) every tenant.
      const worker = await client.query<{ n: string }>('SELECT count(DISTINCT tenant_id)::text AS n FROM ledger_entries');
      expect(worker.rows[0]!.n).toBe('2');
      for (const table of tables) expect((await counts(client))[table], table).toEqual({ all: 0, foreign: 0 });
      const mine = await counts(client, TENANT);
      expect(mine['ledger_entries']).toEqual({ all: sizes[1], foreign: 0 });
      expect(mine['ledger_checkpoints']!.all).toBeGreaterThanOrEqual(2);
      for (const table of tables) expect(mine[table]!.foreign, table).toBe(0);
      // A query that forgets its tenant filter still finds nothing of another tenant.
      await client.query('BEGIN');
      await client.query('SET LOCAL ROLE thoth_ledger_reader');
      await client.query("SELECT set_config('thoth.tenant_id', $1, true)", [OTHER]);
      const leaked = await client.query('SELECT seq FROM ledger_entries WHERE decision_id = $1', [blocked.decisionId]);
      expect(leaked.rowCount).toBe(0);
      await client.query('ROLLBACK');
      // The reader may read nothing else and write nothing.
      for (const statement of [
        'SELECT count(*) FROM ledger_offsets',
        'SELECT count(*) FROM ledger_trees',
        'SELECT count(*) FROM api_keys',
        `INSERT INTO ledger_checkpoints (tenant_id, size, root_hash, note) VALUES ('${TENANT}', 999999, '\\x00', 'x')`,
      ]) {
        await client.query('BEGIN');
        await client.query('SET LOCAL ROLE thoth_ledger_reader');
        await client.query("SELECT set_config('thoth.tenant_id', $1, true)", [TENANT]);
        await expect(client.query(statement), statement).rejects.toMatchObject({ code: '42501' });
        await client.query('ROLLBACK');
      }
    });
  });

  it('gives an evidence bundle for a blocked call that `thoth verify` accepts offline, and rejects any flipped byte', async () => {
    const { status, body } = await get(`/v1/decisions/${blocked.decisionId}/evidence`, keys.auditor);
    expect(status).toBe(200);
    const bundle = body as unknown as EvidenceBundle;
    expect(bundle.entry).toMatchObject({
      decisionId: blocked.decisionId,
      tenantId: TENANT,
      agentId: blocked.agentId,
      tool: 'crm.delete_records',
      effect: 'EFFECT_DENY',
      credentialFingerprint: blocked.credentialFingerprint,
      policyVersion: '3',
      enforcerId: 'enforcer-1',
      matchedRules: [{ ruleId: 'freeze.code-freeze', kind: 'RULE_KIND_FREEZE_WINDOW' }],
    });
    expect(bundle.entry['receipt']).toMatchObject({ decisionId: blocked.decisionId, outcome: 'OUTCOME_DENY' });

    const dir = mkdtempSync(join(tmpdir(), 'thoth-bundle-'));
    const text = `${JSON.stringify(bundle, null, 2)}\n`;
    const file = join(dir, 'bundle.json');
    writeFileSync(file, text);
    const ok = await thoth(['verify', file, '--key', ctx.verifierKey]);
    expect(ok.stderr).toBe('');
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/^verified: decision /);

    // The CLI names the reason for a few hand-picked flips…
    const flip = (at: number, to: string) => `${text.slice(0, at)}${to}${text.slice(at + 1)}`;
    const tool = text.indexOf('crm.delete_records');
    const sigAt = text.indexOf('\\u2014') >= 0 ? -1 : text.indexOf('\u2014 thoth.dev/ledger ') + '\u2014 thoth.dev/ledger '.length + 10;
    const proofAt = text.indexOf('"hashes": [') + '"hashes": [\n      "'.length + 3;
    const cases: Array<[string, string]> = [
      [flip(tool + 5, 'D'), 'entry.fields_mismatch'],
      [flip(sigAt, text[sigAt] === 'A' ? 'B' : 'A'), 'checkpoint.bad_signature'],
      [flip(proofAt, text[proofAt] === 'A' ? 'B' : 'A'), 'proof.root_mismatch'],
    ];
    for (const [changed, code] of cases) {
      writeFileSync(file, changed);
      const failed = await thoth(['verify', file, '--key', ctx.verifierKey]);
      expect(failed.code, code).toBe(1);
      expect(failed.stderr).toMatch(new RegExp(`^FAILED ${code.replace('.', '\\.')}: `));
    }
    const otherKey = await thoth(['verify', file, '--key', 'thoth.dev/ledger+00000000+AQ==']);
    expect(otherKey.code).toBe(1);

    // …and every single-byte change anywhere in the file fails verification.
    const bytes = Buffer.from(text);
    const accepted: number[] = [];
    for (let i = 0; i < bytes.length; i++) {
      const copy = Buffer.from(bytes);
      copy[i] = copy[i]! ^ 0x01;
      if (verifyEvidenceBundle(copy, ctx.verifierKey).ok) accepted.push(i);
    }
    expect(accepted, `flips at ${accepted.join(',')} went unnoticed`).toEqual([]);
    expect(verifyEvidenceBundle(bytes, ctx.verifierKey).ok).toBe(true);
  });
});
