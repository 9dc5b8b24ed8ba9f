// A child process of the enforcer benchmark: N enforcer config streams (each with its own
// snapshot store, verifying and compiling every push as an enforcer does) against one
// control plane. argv: address, count, first index, trusted key (base64).
import { keyring, verifierFromPublicKey } from '@thoth/snapshot';
import { ActiveSnapshots } from '../../../apps/enforcer/src/sync/active-snapshots.js';
import { ConfigStreamClient } from '../../../apps/enforcer/src/sync/config-stream-client.js';

const [address = '', count = '0', first = '0', key = ''] = process.argv.slice(2);
const trusted = keyring([verifierFromPublicKey(key)]);
const clients: ConfigStreamClient[] = [];
for (let i = 0; i < Number(count); i++) {
  const n = Number(first) + i;
  const client = new ConfigStreamClient({
    address,
    token: `thoth_et_bench_${n}`,
    enforcerId: `bench-enforcer-${n}`,
    trustedKeys: trusted,
    store: new ActiveSnapshots(),
    heartbeatIntervalMs: 5_000,
    backoff: { initialMs: 100, maxMs: 1_000 },
  });
  client.start();
  clients.push(client);
}
process.stdout.write('started\n');
process.on('SIGTERM', () => {
  void Promise.all(clients.map((c) => c.stop())).then(() => process.exit(0));
});
