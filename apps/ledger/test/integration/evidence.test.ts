import { Effect } from '@thoth/contracts';
import { decodeBase64, openCheckpoint, parseVerifierKey, verifyConsistency } from '@thoth/merkle';
import { testKafka } from '@thoth/testing';
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EvidenceBundle } from '../../src/evidence/evidence-bundle.js';
import { verifyEvidenceBundle } from '../../src/evidence/verify-bundle.js';
import { startLedger, type RunningLedger } from '../../src/ledger.js';
import { decisionEvent, message, produce, type Producer } from '../support/decisions.js';
import { count, eventually, ledgerTestContext, quietLog, type LedgerTestContext } from '../support/ledger-harness.js';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const thoth = (args: string[]) =>
  run(join(ROOT, 'node_modules/.bin/tsx'), [join(ROOT, 'apps/ledger/src/cli.ts'), ...args], { cwd: ROOT }).then(
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
  const get = async (path: string) => {
    const response = await fetch(`${ledger.url}${path}`);
    return { status: response.status, type: response.headers.get('content-type'), body: (await response.json()) as Record<string, unknown> };
  };

  beforeAll(async () => {
    ctx = await ledgerTestContext('evidence');
    const admin = testKafka('ledger-evidence-admin').admin();
    await admin.connect();
    await admin.createTopics({ waitForLeaders: true, topics: [{ topic: ctx.topic, numPartitions: 3, replicationFactor: 1 }] });
    await admin.disconnect();
    producer = testKafka('ledger-evidence-producer').producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
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

  it('serves the latest checkpoint with the verifier key', async () => {
    const { status, body } = await get(`/v1/tenants/${TENANT}/checkpoint`);
    expect(status).toBe(200);
    expect(body['verifierKey']).toBe(ctx.verifierKey);
    expect(body['size']).toBe(sizes[1]);
    expect(body['origin']).toBe(`thoth.dev/ledger/${TENANT}`);
    const verifier = parseVerifierKey(ctx.verifierKey);
    expect(verifier.ok && openCheckpoint(body['checkpoint'] as string, [verifier.value]).ok).toBe(true);
  });

  it('serves a consistency proof between two signed sizes that verifies', async () => {
    const { status, body } = await get(`/v1/tenants/${TENANT}/consistency-proof?from=${sizes[0]}&to=${sizes[1]}`);
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

  it('never serves another tenant\'s entry, and answers errors as problem+json with stable codes', async () => {
    const wrong = await get(`/v1/tenants/${OTHER}/decisions/${blocked.decisionId}/evidence`);
    expect(wrong.status).toBe(404);
    expect(wrong.type).toBe('application/problem+json');
    expect(wrong.body['code']).toBe('ledger.decision_not_found');
    expect((await get(`/v1/tenants/not-a-tenant/checkpoint`)).body['code']).toBe('ledger.bad_tenant');
    expect((await get(`/v1/tenants/${randomUUID()}/checkpoint`)).body['code']).toBe('ledger.no_checkpoint');
    expect((await get(`/v1/tenants/${TENANT}/consistency-proof?from=5&to=2`)).body['code']).toBe('ledger.bad_sizes');
    const proof = await get(`/v1/tenants/${TENANT}/decisions/${blocked.decisionId}/inclusion-proof`);
    expect(proof.status).toBe(200);
    expect(proof.body['treeSize']).toBe(sizes[1]);
  });

  it('gives an evidence bundle for a blocked call that `thoth verify` accepts offline, and rejects any flipped byte', async () => {
    const { status, body } = await get(`/v1/tenants/${TENANT}/decisions/${blocked.decisionId}/evidence`);
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
