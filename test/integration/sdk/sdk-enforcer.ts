// A real enforcer for the SDK's integration tests: the control plane's config
// distribution and an enforcer in this process (../enforcers/harness.ts), with two
// tenants published: one enforcing a CRM policy with a code freeze, one in shadow mode.
import { TenantMode } from '@thoth/contracts';
import { Thoth, type GuardEvent, type RetryOptions, type ThothSettings } from '@thoth/sdk';
import { generateSigningKey, keyring, signerFromSeed, verifierFromPublicKey, type Keyring } from '@thoth/snapshot';
import type { DecisionEvent } from '@thoth/contracts';
import { controlPlaneKey, startControlPlane, startTestEnforcer, tenantConfig, waitFor, type TestControlPlane } from '../enforcers/harness.js';
import { noDropsRules, policyYaml } from '../../../libs/testing/src/policy-yaml.js';

export const ENFORCE_TENANT = '7e0a0000-0000-4000-8000-000000005d01';
export const SHADOW_TENANT = '7e0a0000-0000-4000-8000-000000005d02';
export const AGENT = { id: 'crm-agent', token: 'thoth_at_sdk_crm_agent' };

// big-refunds holds a call for a person's approval (docs/approvals.md): the Python SDK's ThothApprovalRequiredError.
export const CRM_POLICY = policyYaml('sdk-crm', 1, `${noDropsRules({ severity: 'critical' })}  - id: big-refunds
    match: {tools: ["payments.refund"]}
    when: 'args.amount > 500'
    effect: approve
    approval: {expiresIn: 30m}
    reason: Refunds above 500 need a person.
freezes:
  - id: code-freeze
    description: Deletes are frozen until 2099-01-01.
    timeZone: UTC
    match: {tools: ["crm.delete_*"]}
    ranges:
      - {start: "2020-01-01T00:00", end: "2099-01-01T00:00"}
`);

export interface SdkEnforcer {
  readonly address: string;
  /** Verifies receipts: the enforcer's public key. */
  readonly receiptKeys: Keyring;
  /** Every decision the enforcer recorded, in order. */
  readonly recorded: DecisionEvent[];
  /** A Thoth for the agent in a tenant; closed by `stop`. */
  thoth(tenantId: string, settings?: ThothSettings & { deadlineMs?: number; transport?: 'stream' | 'unary'; retry?: RetryOptions }): Thoth & { events: GuardEvent[] };
  stop(): Promise<void>;
}

export async function startSdkEnforcer(name: string): Promise<SdkEnforcer> {
  const { signer, trusted } = controlPlaneKey();
  const cp: TestControlPlane = await startControlPlane({ signer, tokens: { [`thoth_et_${name}`]: { enforcerId: `enforcer-${name}`, tenantIds: [ENFORCE_TENANT, SHADOW_TENANT] } } });
  for (const [tenantId, mode] of [
    [ENFORCE_TENANT, TenantMode.ENFORCE],
    [SHADOW_TENANT, TenantMode.SHADOW],
  ] as const) {
    const published = cp.cache.setSnapshot(tenantId, tenantConfig({ tenantId, policy: CRM_POLICY, agents: [AGENT], mode }));
    if (!published.ok) throw new Error(`could not publish ${tenantId}: ${JSON.stringify(published)}`);
  }
  const receiptSigner = signerFromSeed(generateSigningKey());
  const enforcer = await startTestEnforcer({
    enforcerId: `enforcer-${name}`,
    trustedKeys: trusted,
    signer: receiptSigner,
    controlPlane: { address: cp.address, token: `thoth_et_${name}`, heartbeatIntervalMs: 200, backoff: { initialMs: 50, maxMs: 500 } },
  });
  const recorded: DecisionEvent[] = [];
  enforcer.log?.subscribe((events) => void recorded.push(...events));
  await waitFor('both tenants active on the enforcer', () => enforcer.store.get(ENFORCE_TENANT) !== undefined && enforcer.store.get(SHADOW_TENANT) !== undefined);
  const clients: Thoth[] = [];
  return {
    address: enforcer.address,
    receiptKeys: keyring([verifierFromPublicKey(receiptSigner.publicKey)]),
    recorded,
    thoth(tenantId, settings = {}) {
      const events: GuardEvent[] = [];
      const thoth = new Thoth({
        address: enforcer.address,
        tenantId,
        agentId: AGENT.id,
        agentToken: AGENT.token,
        // Generous: CI machines stall; the deadline is not what these tests are about.
        deadlineMs: settings.deadlineMs ?? 5_000,
        ...settings,
        onDecision: (event) => {
          events.push(event);
          settings.onDecision?.(event);
        },
      });
      clients.push(thoth);
      return Object.assign(thoth, { events });
    },
    async stop() {
      for (const c of clients) c.close();
      await enforcer.stop({ drainTimeoutMs: 1_000 });
      await cp.stop();
    },
  };
}
