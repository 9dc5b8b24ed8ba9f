// Heap per tenant of an enforcer's active snapshots: `pnpm tsx --expose-gc test/bench/enforcer/heap-probe.ts [tenants]`.
import { generateSigningKey, keyring, signSnapshot, signerFromSeed, verifierFromPublicKey } from '@thoth/snapshot';
import { ActiveSnapshots } from '../../../apps/enforcer/src/sync/active-snapshots.js';
import { activate } from '../../../apps/enforcer/src/sync/activate.js';
import { benchConfig, benchPolicy } from './bench-tenant.js';

const n = Number(process.argv[2] ?? 100);
const cp = signerFromSeed(generateSigningKey());
const trusted = keyring([verifierFromPublicKey(cp.publicKey)]);
const gc = (globalThis as { gc?: () => void }).gc!;
const signed = Array.from({ length: n }, (_, i) => signSnapshot({ ...benchConfig(`tenant-${i}`, benchPolicy(200, i + 1)), version: 1n }, cp).signed);
const bytes = signed.reduce((s, x) => s + x.snapshot.length, 0);
gc(); gc();
const before = process.memoryUsage().heapUsed;
const store = new ActiveSnapshots();
for (const s of signed) {
  const r = activate(store, s, trusted, Date.now());
  if (!r.ok) throw new Error(r.message);
}
gc(); gc();
const after = process.memoryUsage().heapUsed;
console.log(JSON.stringify({ tenants: n, heapPerTenantKb: Math.round((after - before) / n / 1024), snapshotKb: Math.round(bytes / n / 1024) }));
