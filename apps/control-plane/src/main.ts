import { startTracing } from '@thoth/telemetry';
import { loadConfig } from './config/config.js';
import { createControlPlane } from './control-plane.js';

// The control plane on its own (production wiring: one process per replica).
const config = loadConfig();
const tracing = startTracing(config.tracing, '@thoth/control-plane');
const controlPlane = await createControlPlane(config, tracing.tracer ? { tracer: tracing.tracer } : {});

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    void controlPlane
      .close()
      .then(() => tracing.shutdown())
      .then(() => process.exit(0));
  });
}
