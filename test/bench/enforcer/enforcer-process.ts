// A child process of the enforcer benchmark, so load generator and enforcer do not share
// an event loop (and RSS is the enforcer's alone).
//   decide: an enforcer with one 200-rule tenant; prints {"address"} and serves until killed.
//   rss:    1,000 tenants × 200-rule snapshots activated + 100,000 live window keys; prints {"rssMb"}.
import { generateSigningKey, keyring, signSnapshot, signerFromSeed, verifierFromPublicKey } from '@thoth/snapshot';
import { InProcessDecisionLog } from '../../../apps/enforcer/src/emit/in-process-decision-log.js';
import { startEnforcer } from '../../../apps/enforcer/src/enforcer.js';
import { activate } from '../../../apps/enforcer/src/sync/activate.js';
import { benchConfig, benchPolicy } from './bench-tenant.js';

const mode = process.argv[2];
const cp = signerFromSeed(generateSigningKey());
const trusted = keyring([verifierFromPublicKey(cp.publicKey)]);
const log = new InProcessDecisionLog({ capacity: 1_000_000 });
log.subscribe(() => {}); // events are consumed and discarded: Decide is measured, not Kafka
const enforcer = await startEnforcer({
  enforcerId: `bench-${mode}`,
  listen: { host: '127.0.0.1', port: 0 },
  trustedKeys: trusted,
  signer: signerFromSeed(generateSigningKey()),
  decisionLog: log,
  windowMaxKeys: 200_000,
});

if (mode === 'decide') {
  const policy = benchPolicy(200);
  const result = activate(enforcer.store, signSnapshot({ ...benchConfig('tenant-bench', policy), version: 1n }, cp).signed, trusted, Date.now());
  if (!result.ok) throw new Error(result.message);
  process.stdout.write(`${JSON.stringify({ address: enforcer.address })}\n`);
} else if (mode === 'rss') {
  const tenants = Number(process.argv[3] ?? 1000);
  const started = Date.now();
  for (let i = 0; i < tenants; i++) {
    const policy = benchPolicy(200, i + 1); // a different policy per tenant: no sharing
    const result = activate(enforcer.store, signSnapshot({ ...benchConfig(`tenant-${i}`, policy), version: 1n }, cp).signed, trusted, Date.now());
    if (!result.ok) throw new Error(result.message);
  }
  const compileMs = Date.now() - started;
  const now = Date.now();
  for (let k = 0; k < 100_000; k++) {
    enforcer.state.apply([{ key: `tenant-${k % tenants}\u0000limit-${k % 7}\u0000agent-${k}`, windowMs: 600_000, calls: 1, records: 1 }], now);
  }
  const gc = (globalThis as { gc?: () => void }).gc;
  for (let i = 0; i < 3; i++) gc?.();
  const memory = process.memoryUsage();
  process.stdout.write(
    `${JSON.stringify({ rssMb: memory.rss / 2 ** 20, heapMb: memory.heapUsed / 2 ** 20, tenants: enforcer.store.size, liveKeys: enforcer.state.stats().liveKeys, compileMs })}\n`,
  );
  await enforcer.stop({ drainTimeoutMs: 100 });
  process.exit(0);
}
