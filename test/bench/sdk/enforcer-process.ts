// A child process of the SDK benchmark: an enforcer with one tenant (a CRM policy with a
// freeze, a blast-radius limit and a few rules; default allow), so the agent's SDK and the
// enforcer do not share an event loop. Prints {"address"} and serves until killed.
import { AgentStatus, FailMode, PolicyFormat, TenantMode } from '@thoth/contracts';
import { generateSigningKey, keyring, signSnapshot, signerFromSeed, verifierFromPublicKey } from '@thoth/snapshot';
import { createHash } from 'node:crypto';
import { InProcessDecisionLog } from '../../../apps/enforcer/src/emit/in-process-decision-log.js';
import { startEnforcer } from '../../../apps/enforcer/src/enforcer.js';
import { activate } from '../../../apps/enforcer/src/sync/activate.js';
import { noDropsRules, policyYaml } from '../../../libs/testing/src/policy-yaml.js';

export const BENCH_TENANT = '7e0a0000-0000-4000-8000-00000000be03';
export const BENCH_AGENT = { id: 'crm-agent', token: 'thoth_at_sdk_bench_crm_agent' };

const POLICY = policyYaml('sdk-bench', 1, `${noDropsRules()}  - id: no-bulk-exports
    match: {tools: ["crm.export_*"]}
    when: "size(args) > 3"
    effect: deny
    reason: Bulk exports need a human.
freezes:
  - id: code-freeze
    timeZone: UTC
    match: {tools: ["crm.delete_*"]}
    ranges:
      - {start: "2020-01-01T00:00", end: "2099-01-01T00:00"}
`);

const cp = signerFromSeed(generateSigningKey());
const trusted = keyring([verifierFromPublicKey(cp.publicKey)]);
const log = new InProcessDecisionLog({ capacity: 1_000_000 });
log.subscribe(() => {}); // consumed and discarded: the SDK path is measured, not the log
const enforcer = await startEnforcer({
  enforcerId: 'bench-sdk',
  listen: { host: '127.0.0.1', port: 0 },
  trustedKeys: trusted,
  signer: signerFromSeed(generateSigningKey()),
  decisionLog: log,
});
const config = {
  tenantId: BENCH_TENANT,
  mode: TenantMode.ENFORCE,
  failMode: FailMode.CLOSED,
  policy: { version: 1n, format: PolicyFormat.YAML, content: new TextEncoder().encode(POLICY) },
  agents: [{ agentId: BENCH_AGENT.id, status: AgentStatus.ACTIVE, tokenSha256: [createHash('sha256').update(BENCH_AGENT.token).digest('hex')] }],
};
const result = activate(enforcer.store, signSnapshot({ ...config, version: 1n }, cp).signed, trusted, Date.now());
if (!result.ok) throw new Error(result.message);
process.stdout.write(`${JSON.stringify({ address: enforcer.address })}\n`);
