import { loadConfig } from './config/config.js';
import { createControlPlane } from './control-plane.js';

// The control plane on its own (production wiring: one process per replica).
const config = loadConfig();
const controlPlane = await createControlPlane(config);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    void controlPlane.close().then(() => process.exit(0));
  });
}
