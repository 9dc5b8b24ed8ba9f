// Snapshots signed as a control plane would, activated straight into an enforcer (no
// config stream needed), and agents calling it over gRPC.
import { create, fromBinary, type MessageInitShape } from '@bufbuild/protobuf';
import { Client, Metadata, credentials } from '@grpc/grpc-js';
import { AgentStatus, DecisionEventSchema, Enforcer, EnforcerConfigSchema, FailMode, PolicyFormat, TenantMode, type DecisionEvent } from '@thoth/contracts';
import { createClient, type ServiceClient } from '@thoth/grpc';
import { generateSigningKey, keyring, signSnapshot, signerFromSeed, verifierFromPublicKey } from '@thoth/snapshot';
import type { Kafka } from 'kafkajs';
import { createHash } from 'node:crypto';
import { activate } from '../../src/sync/activate.js';
import type { ActiveSnapshots } from '../../src/sync/active-snapshots.js';
import { noDropsRules, policyYaml } from '@thoth/testing/policy-yaml';

export const sha256Hex = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');
export const controlPlaneSigner = signerFromSeed(generateSigningKey());
export const trusted = keyring([verifierFromPublicKey(controlPlaneSigner.publicKey)]);

// crm.read* is a read to the tenant: only the policy makes a tool a read (docs/policy.md, `tiers`).
export const POLICY = policyYaml('decide-test', 7, `tiers:
  - tools: ["crm.read*"]
    tier: read
${noDropsRules({ severity: 'critical' })}  - id: big-exports
    match: {tools: ["crm.export"]}
    when: 'args.limit > 500'
    effect: deny
    reason: Exports over 500 rows need a human.
`);

export function config(init: Partial<MessageInitShape<typeof EnforcerConfigSchema>> & { tenantId: string; version?: bigint }, agents: { id: string; token: string; revoked?: string[]; status?: AgentStatus }[]) {
  return create(EnforcerConfigSchema, <MessageInitShape<typeof EnforcerConfigSchema>>{
    mode: TenantMode.ENFORCE,
    failMode: FailMode.CLOSED,
    policy: { version: 7n, format: PolicyFormat.YAML, content: new TextEncoder().encode(POLICY) },
    ...init,
    version: init.version ?? 1n,
    agents: agents.map((a) => ({
      agentId: a.id,
      status: a.status ?? AgentStatus.ACTIVE,
      tokenSha256: [sha256Hex(a.token)],
      revokedTokenSha256: (a.revoked ?? []).map(sha256Hex),
    })),
  });
}

/** Signs and activates; throws when the enforcer refuses. */
export function install(store: ActiveSnapshots, init: Parameters<typeof config>[0], agents: Parameters<typeof config>[1]) {
  const { signed } = signSnapshot(config(init, agents), controlPlaneSigner);
  const result = activate(store, signed, trusted, Date.now());
  if (!result.ok) throw new Error(`${result.code}: ${result.message}`);
  return { signed, tenant: result.tenant };
}

export function agentClient(address: string): { client: ServiceClient<typeof Enforcer>; close(): void; auth(token?: string): Metadata } {
  const channel = new Client(address, credentials.createInsecure());
  return {
    client: createClient(Enforcer, channel),
    close: () => channel.close(),
    auth: (token?: string) => {
      const m = new Metadata();
      if (token) m.set('authorization', `Bearer ${token}`);
      return m;
    },
  };
}

/** Reads a topic from the beginning until `until` says enough, or `timeoutMs` passes. */
export async function consumeDecisions(
  kafka: Kafka,
  topic: string,
  until: (events: DecisionEvent[]) => boolean,
  timeoutMs = 60_000,
): Promise<{ events: DecisionEvent[]; keys: string[] }> {
  const consumer = kafka.consumer({ groupId: `test-${topic}-${Math.random().toString(36).slice(2)}` });
  const events: DecisionEvent[] = [];
  const keys: string[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    let resolve: () => void = () => {};
    const done = new Promise<void>((r) => (resolve = r));
    await consumer.run({
      eachMessage: async ({ message }) => {
        events.push(fromBinary(DecisionEventSchema, new Uint8Array(message.value ?? Buffer.alloc(0))));
        keys.push(message.key?.toString() ?? '');
        if (until(events)) resolve();
      },
    });
    if (!until(events)) await Promise.race([done, new Promise((r) => setTimeout(r, timeoutMs))]);
    return { events, keys };
  } finally {
    await consumer.disconnect();
  }
}
