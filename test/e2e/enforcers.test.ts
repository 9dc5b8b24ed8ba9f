import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { Effect, RuleKind, type DecideResponse } from '../../libs/contracts/src/index.js';
import { generateSignerKey } from '../../libs/merkle/src/index.js';
import { generateSigningKey } from '../../libs/snapshot/src/index.js';
import { createTestDatabase, createTestTopics, dropTestDatabase, testKafka, testKafkaEnv, testTls, type TestTls } from '../../libs/testing/src/index.js';
import { agentClient, channelCredentials, TcpRelay, waitFor, type AgentClient } from '../integration/enforcers/harness.js';
import { call, controlPlaneTlsEnv, enforcerTlsEnv, ok, Proc, trustCa } from './enforcers.support.js';

// Issue 5, acceptance 1 and 2, across processes: the real control plane (tsx main.ts on its
// own Postgres database), two enforcer processes on its config stream, the real Kafka broker.
// The enforcers reach the config stream through a relay, so that for one policy version they
// stream from a second control plane on the same database whose signing key they do not trust.
// Every listener serves TLS with certificates of the development CA (infra/local/tls.sh), and the
// config stream is mutual: each enforcer presents its certificate to the control plane.
const UNTRUSTED_POLICY_VERSION = 3;
const WAIT_MS = 30_000;

const POLICY = (version: number, rules: string) => `apiVersion: thoth.dev/policy/v1
kind: Policy
metadata: {name: crm-guardrails, version: "${version}"}
defaults: {effect: allow}
rules:
  - id: no-drops
    match: {tools: ["db.drop_*"]}
    effect: deny
    reason: Nobody drops tables.
${rules}`;
const NO_CRM_DELETES = `  - id: no-crm-deletes
    match: {tools: ["crm.delete_*"]}
    effect: deny
    reason: CRM deletes need a human.
`;
const NO_CRM_UPDATES = `  - id: no-crm-updates
    match: {tools: ["crm.update_*"]}
    effect: deny
    reason: Frozen.
`;

interface RunningEnforcer {
  proc: Proc;
  address: string;
  http: string;
  agents: Record<'crm' | 'reports', AgentClient>;
}

describe('control plane → two enforcer processes → Kafka', () => {
  const serverUrl = inject('thoth.serverUrl');
  const databaseName = `thoth_test_${inject('thoth.runId')}_enf_${randomBytes(3).toString('hex')}`;
  const dataDir = mkdtempSync(join(tmpdir(), 'thoth-e2e-enforcers-'));
  let topic: string;
  let controlPlane: Proc;
  let databaseUrl: string;
  let api: string;
  let grpc: string;
  let relay: TcpRelay;
  let key: string;
  let tenantId: string;
  let publicKey: string;
  const agentTokens: Record<'crm' | 'reports', string> = { crm: '', reports: '' };
  let crmAgentId: string;
  const enforcerTokens: string[] = [];
  const enforcers: RunningEnforcer[] = [];
  const extra: Proc[] = [];
  let policyEtag: string | undefined;
  let tls: TestTls;
  /** An agent of the tenant, over TLS (Decide asks for no client certificate here). */
  const agentOf = (address: string, agentId: string, token: string) => agentClient(address, { tenantId, agentId, token }, channelCredentials({ ca: tls.ca }));

  // Every decision an enforcer answered (a NOT_READY refusal is none), and every DecisionEvent on the topic.
  const answered: string[] = [];
  const consumed: string[] = [];
  const consumer = () => testKafka(`e2e-enforcers-${randomBytes(3).toString('hex')}`).consumer({ groupId: `e2e-enforcers-${randomBytes(4).toString('hex')}` });
  let kafkaConsumer: ReturnType<typeof consumer>;

  const decide = async (agents: AgentClient, tool: string): Promise<DecideResponse> => {
    const response = await agents.decide({ tool, resource: 'crm/contacts' });
    if (response.decisionId !== '') answered.push(response.decisionId);
    return response;
  };
  const snapshot = async () => (await ok(call(api, 'GET', '/v1/distribution/snapshot', { key }))).body as { version: number; policyVersion: number | null };
  const enforcerRows = async () => (await ok(call(api, 'GET', '/v1/enforcers', { key }))).body.items as Array<{
    name: string;
    activeConfig: { version: number } | null;
    lastRejection: { version: number; errorCode: string } | null;
    lastSeenAt: string | null;
  }>;
  /** Waits until a snapshot after `after` carries `policyVersion` and both enforcers ACKed it. */
  const rolledOut = async (policyVersion: number, after = 0): Promise<number> => {
    const { version } = await waitFor(`snapshot with policy v${policyVersion}`, async () => {
      const s = await snapshot();
      return s.policyVersion === policyVersion && s.version > after ? s : undefined;
    });
    try {
      await waitFor(`both enforcers to ACK config ${version}`, async () => {
        const rows = await enforcerRows();
        return rows.length === 2 && rows.every((r) => r.activeConfig?.version === version && r.lastSeenAt !== null);
      }, WAIT_MS);
    } catch (error) {
      // Say what was seen instead: the rows, the snapshot now, and what the control plane warned about.
      const warnings = controlPlane.lines.filter((l) => Number(l['level']) >= 40).slice(-10);
      throw new Error(
        `${(error as Error).message}\nenforcers: ${JSON.stringify(await enforcerRows())}\nsnapshot now: ${JSON.stringify(await snapshot())}\ncontrol plane warnings: ${JSON.stringify(warnings)}`,
        { cause: error },
      );
    }
    return version;
  };
  const publish = async (source: string) => {
    const headers: Record<string, string> = policyEtag ? { 'if-match': policyEtag } : { 'if-none-match': '*' };
    const answer = await ok(call(api, 'PUT', '/v1/policy', { key, body: { source }, headers }));
    policyEtag = answer.headers.get('etag') ?? undefined;
  };
  const status = async (e: { http: string }) => {
    const response = await fetch(`${e.http}/readyz`);
    return { code: response.status, body: (await response.json()) as { ready: boolean; connected: boolean; sinceContactMs: number | null; tenants: Array<{ version: string }> } };
  };
  const startEnforcer = async (name: string, env: Record<string, string>): Promise<{ proc: Proc; address: string; http: string }> => {
    const proc = Proc.start(name, 'apps/enforcer/src/main.ts', {
      THOTH_ENFORCER_ID: name,
      THOTH_ENFORCER_GRPC_PORT: '0',
      THOTH_ENFORCER_HTTP_PORT: '0',
      THOTH_CONFIG_PUBLIC_KEYS: publicKey,
      ...testKafkaEnv(),
      THOTH_DECISIONS_TOPIC: topic,
      // This control plane runs without Kafka, so it publishes no receipt key directory, and an
      // enforcer with fleet state cannot verify its peers (and stays FLEET_REBUILDING): fleet state
      // is test/e2e/fleet-limits.test.ts's.
      THOTH_FLEET_STATE: 'off',
      ...enforcerTlsEnv(tls),
      ...env,
    });
    const ready = await proc.logged('enforcer ready to serve');
    return { proc, address: String(ready['address']), http: String(ready['http']) };
  };

  beforeAll(async () => {
    tls = await testTls('e2e-enforcers');
    trustCa(tls.ca);
    [topic] = (await createTestTopics([{ name: `enforcers-e2e-${randomBytes(3).toString('hex')}` }])) as [string];
    kafkaConsumer = consumer();
    await kafkaConsumer.connect();
    await kafkaConsumer.subscribe({ topic, fromBeginning: true });
    await kafkaConsumer.run({
      eachMessage: async ({ message }) => {
        const id = message.headers?.['thoth-decision-id'];
        consumed.push(id === undefined ? '(no decision id)' : String(id));
      },
    });

    databaseUrl = await createTestDatabase(serverUrl, databaseName);
    controlPlane = Proc.start('control plane', 'apps/control-plane/src/main.ts', {
      DATABASE_URL: databaseUrl,
      THOTH_MIGRATE: 'true',
      THOTH_DATA_DIR: dataDir,
      THOTH_HTTP_PORT: '0',
      THOTH_GRPC_PORT: '0',
      THOTH_RATE_LIMIT_PER_MINUTE: '100000',
      ...controlPlaneTlsEnv(tls),
    });
    const listening = await controlPlane.logged('control plane listening');
    api = String(listening['url']);
    expect(api).toMatch(/^https:\/\//);
    grpc = String(listening['grpc']);
    relay = new TcpRelay(grpc);
    await relay.start();

    const signedUp = await ok(call(api, 'POST', '/v1/tenants', { body: { name: 'Acme', email: 'ops@acme.test' } }), 201);
    key = signedUp.body.apiKey.key;
    tenantId = signedUp.body.tenant.id;
    await ok(call(api, 'PUT', '/v1/tenant/mode', { key, body: { mode: 'enforce' } }));
    for (const [slot, name] of [['crm', 'crm-agent'], ['reports', 'report-agent']] as const) {
      const agent = await ok(call(api, 'POST', '/v1/agents', { key, body: { name } }), 201);
      agentTokens[slot] = agent.body.token;
      if (slot === 'crm') crmAgentId = agent.body.agent.id;
    }
    for (const name of ['edge-a', 'edge-b']) enforcerTokens.push((await ok(call(api, 'POST', '/v1/enforcers', { key, body: { name } }), 201)).body.token);
    publicKey = (await ok(call(api, 'GET', '/v1/distribution/public-key'))).body.publicKey;
    await publish(POLICY(1, ''));

    const names = ['edge-a', 'edge-b'];
    const started = await Promise.all(
      names.map((name, i) => startEnforcer(name, { THOTH_CONTROL_PLANE_GRPC: relay.address, THOTH_ENFORCER_TOKEN: enforcerTokens[i]! })),
    );
    for (const e of started) {
      enforcers.push({
        ...e,
        agents: {
          crm: agentOf(e.address, 'crm-agent', agentTokens.crm),
          reports: agentOf(e.address, 'report-agent', agentTokens.reports),
        },
      });
    }
  });

  afterAll(async () => {
    for (const e of enforcers) for (const a of Object.values(e.agents)) a.close();
    await Promise.all([...enforcers.map((e) => e.proc.stop()), ...extra.map((p) => p.stop()), controlPlane?.stop()]);
    await relay?.stop();
    await kafkaConsumer?.disconnect();
    await dropTestDatabase(serverUrl, databaseName).catch(() => {});
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('both enforcers activate the published policy (ACKs recorded) and decide by it', async () => {
    await rolledOut(1);
    for (const e of enforcers) {
      expect((await status(e)).body).toMatchObject({ ready: true, connected: true, tenants: 1 });
      const drop = await decide(e.agents.crm, 'db.drop_users');
      expect(drop.effect).toBe(Effect.DENY);
      expect(drop.matchedRules.map((r) => r.ruleId)).toContain('no-drops');
      expect(drop.policyVersion).toBe(1n);
      expect((await decide(e.agents.crm, 'crm.delete_contacts')).effect).toBe(Effect.ALLOW);
    }
  });

  it('a new policy version changes both enforcers’ decisions', async () => {
    await publish(POLICY(2, NO_CRM_DELETES));
    await rolledOut(2);
    for (const e of enforcers) {
      const answer = await decide(e.agents.crm, 'crm.delete_contacts');
      expect(answer.effect).toBe(Effect.DENY);
      expect(answer.matchedRules.map((r) => r.ruleId)).toEqual(['no-crm-deletes']);
      expect(answer.policyVersion).toBe(2n);
      expect((await decide(e.agents.crm, 'crm.update_contacts')).effect).toBe(Effect.ALLOW);
    }
  });

  it('a snapshot signed with a key the enforcers do not trust is NACKed, recorded, and the previous version keeps serving', async () => {
    const before = (await enforcerRows()).map((r) => r.activeConfig?.version);
    // A second control plane on the same database, signing with a key of its own.
    const untrusted = Proc.start('untrusted control plane', 'apps/control-plane/src/main.ts', {
      DATABASE_URL: databaseUrl,
      THOTH_MIGRATE: 'false',
      THOTH_DATA_DIR: dataDir,
      THOTH_HTTP_PORT: '0',
      THOTH_GRPC_PORT: '0',
      THOTH_SNAPSHOT_SIGNING_KEY: generateSigningKey(),
      THOTH_RATE_LIMIT_PER_MINUTE: '100000',
      ...controlPlaneTlsEnv(tls),
    });
    extra.push(untrusted);
    relay.route(String((await untrusted.logged('control plane listening'))['grpc']));
    try {
      await publish(POLICY(UNTRUSTED_POLICY_VERSION, NO_CRM_DELETES + NO_CRM_UPDATES));
      const { version } = await waitFor('the snapshot with policy v3', async () => {
        const s = await snapshot();
        return s.policyVersion === UNTRUSTED_POLICY_VERSION ? s : undefined;
      });
      // Both replicas publish the same version for the same events; the enforcers got it from the untrusted one.
      const rows = await waitFor('both enforcers to NACK it', async () => {
        const r = await enforcerRows();
        return r.every((row) => row.lastRejection?.version === version) ? r : undefined;
      }, WAIT_MS);
      for (const row of rows) expect(row.lastRejection?.errorCode).toBe('UNKNOWN_KEY');
      expect(rows.map((r) => r.activeConfig?.version)).toEqual(before);
      for (const e of enforcers) {
        const answer = await decide(e.agents.crm, 'crm.update_contacts');
        expect(answer.effect).toBe(Effect.ALLOW);
        expect(answer.policyVersion).toBe(2n);
      }
    } finally {
      // Back to the trusted control plane, whatever happened.
      relay.route(grpc);
    }
    expect(await untrusted.stop()).toBe(0);
    expect(untrusted.lines.filter((l) => Number(l['level']) >= 50).map((l) => l['msg'])).toEqual([]);
  });

  it('suspending an agent through the API denies its next call on both enforcers', async () => {
    const refused = (await snapshot()).version;
    await ok(call(api, 'POST', `/v1/agents/${crmAgentId}/suspend`, { key, body: { reason: 'incident' } }));
    // Back on the trusted control plane: the next snapshot carries the suspension, with policy v3 now.
    await rolledOut(UNTRUSTED_POLICY_VERSION, refused);
    for (const e of enforcers) {
      const answer = await decide(e.agents.crm, 'crm.read_contacts');
      expect(answer.effect).toBe(Effect.DENY);
      expect(answer.matchedRules.map((r) => r.kind)).toContain(RuleKind.KILL_SWITCH);
      expect((await decide(e.agents.reports, 'crm.read_contacts')).effect).toBe(Effect.ALLOW);
    }
  });

  it('with the control plane stopped, both keep deciding on the last version and report staleness', async () => {
    expect(await controlPlane.stop()).toBe(0);
    // Every report (connect, ACK, NACK) was recorded without an error, none lost to a race.
    expect(controlPlane.lines.filter((l) => Number(l['level']) >= 50).map((l) => l['msg'])).toEqual([]);
    for (const e of enforcers) {
      const first = await waitFor(`${e.proc.name} to notice`, async () => {
        const s = await status(e);
        return !s.body.connected ? s : undefined;
      }, WAIT_MS);
      expect(first.code).toBe(200);
      expect(first.body.ready).toBe(true);
      // Staleness grows while nobody answers.
      await waitFor(`${e.proc.name} staleness to grow`, async () => ((await status(e)).body.sinceContactMs ?? 0) > (first.body.sinceContactMs ?? 0));
      const metrics = await (await fetch(`${e.http}/metrics`)).text();
      expect(metrics).toMatch(/^thoth_enforcer_config_staleness_seconds [0-9.e+-]+$/m);
      expect(metrics).toMatch(/^thoth_enforcer_ready 1$/m);

      const killed = await decide(e.agents.crm, 'crm.read_contacts');
      expect(killed.effect).toBe(Effect.DENY);
      const blocked = await decide(e.agents.reports, 'crm.delete_contacts');
      expect(blocked.effect).toBe(Effect.DENY);
      expect(blocked.matchedRules.map((r) => r.ruleId)).toEqual(['no-crm-deletes']);
      expect(blocked.policyVersion).toBe(BigInt(UNTRUSTED_POLICY_VERSION));
      expect((await decide(e.agents.reports, 'crm.update_contacts')).effect).toBe(Effect.DENY);
      expect((await decide(e.agents.reports, 'crm.read_contacts')).effect).toBe(Effect.ALLOW);
    }
  });

  it('an enforcer started with no snapshot (control plane unreachable) is not ready and denies', async () => {
    const lonely = await startEnforcer('edge-c', { THOTH_CONTROL_PLANE_GRPC: grpc, THOTH_ENFORCER_TOKEN: enforcerTokens[0]! });
    extra.push(lonely.proc);
    const s = await status(lonely);
    expect(s.code).toBe(503);
    expect(s.body).toMatchObject({ ready: false, connected: false, tenants: 0 });
    expect(await (await fetch(`${lonely.http}/metrics`)).text()).toMatch(/^thoth_enforcer_ready 0$/m);
    const client = agentOf(lonely.address, 'report-agent', agentTokens.reports);
    try {
      const answer = await decide(client, 'crm.read_contacts');
      expect(answer.effect).toBe(Effect.DENY);
      expect(answer).toMatchObject({ errorCode: 'NOT_READY', decisionId: '' });
    } finally {
      client.close();
    }
  });

  it('puts exactly one DecisionEvent per answered decision on Kafka', async () => {
    // Stopping drains each enforcer's decision log.
    for (const p of [...enforcers.map((e) => e.proc), ...extra]) expect(await p.stop()).toBe(0);
    await waitFor(`${answered.length} decision events (have ${consumed.length})`, () => consumed.length >= answered.length, WAIT_MS);
    expect(answered.length).toBe(22);
    expect(new Set(answered).size).toBe(answered.length);
    const seen = new Set(consumed);
    expect(consumed.length - seen.size, 'duplicated').toBe(0);
    expect(answered.filter((id) => !seen.has(id)), 'missing').toEqual([]);
    expect([...seen].filter((id) => !answered.includes(id)), 'unexpected').toEqual([]);
  });
});

describe('the production mains refuse plaintext off loopback', () => {
  it('control plane, enforcer, ledger and launcher each stop at start with PLAINTEXT_REFUSED, naming the listener and what to set', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'thoth-e2e-plaintext-'));
    // Nothing is reachable at these: the configuration is refused before any connection.
    const nowhere = { DATABASE_URL: 'postgres://thoth:thoth@127.0.0.1:1/thoth', KAFKA_BROKERS: '127.0.0.1:1', THOTH_DATA_DIR: dataDir };
    const mains = [
      ['control plane', 'apps/control-plane/src/main.ts', { ...nowhere, THOTH_GRPC_HOST: '0.0.0.0' }, 'the config stream (THOTH_GRPC_HOST) would be plaintext on 0.0.0.0'],
      ['enforcer', 'apps/enforcer/src/main.ts', { THOTH_CONFIG_PUBLIC_KEYS: Buffer.alloc(32, 1).toString('base64'), THOTH_ENFORCER_GRPC_HOST: '::' }, 'Decide (THOTH_ENFORCER_GRPC_HOST) would be plaintext on ::'],
      ['ledger', 'apps/ledger/src/main.ts', { ...nowhere, THOTH_LEDGER_SIGNING_KEY: generateSignerKey('thoth.dev/ledger'), THOTH_CONFIG_PUBLIC_KEYS: Buffer.alloc(32, 1).toString('base64'), THOTH_HTTP_HOST: '0.0.0.0' }, 'the ledger API (THOTH_HTTP_HOST) would be plaintext on 0.0.0.0'],
      ['launcher', 'apps/thoth/src/main.ts', { ...nowhere, THOTH_HTTP_HOST: '10.0.0.1' }, 'the ledger API (THOTH_HTTP_HOST) would be plaintext on 10.0.0.1'],
    ] as const;
    try {
      await Promise.all(
        mains.map(async ([name, script, env, says]) => {
          const proc = Proc.start(name, script, env);
          // One that starts instead is stopped (and fails the test) rather than left to the test's timeout.
          const started = setTimeout(() => void proc.stop(), 60_000);
          const code = await proc.exited.finally(() => clearTimeout(started));
          expect(code, `${name}: ${proc.raw.join('\n')}`).toBe(1);
          expect(proc.raw.join('\n'), name).toContain(`PLAINTEXT_REFUSED: ${says}, which is not a loopback address`);
        }),
      );
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
