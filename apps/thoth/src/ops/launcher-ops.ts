import type { ControlPlane } from '@thoth/control-plane';
import type { RunningEnforcer } from '@thoth/enforcer/embedded';
import type { RunningLedger } from '@thoth/ledger';
import { collectProcessMetrics, startOpsServer, type OpsServer } from '@thoth/ops';
import { Registry } from 'prom-client';

export interface LauncherParts {
  readonly controlPlane: ControlPlane;
  readonly ledger: RunningLedger;
  readonly enforcer?: RunningEnforcer;
}

/**
 * The one-process launcher's operations listener: the metrics of every part on one registry (their
 * names never collide: thoth_control_plane_*, thoth_ledger_*, thoth_enforcer_*; the process's own
 * once), and ready when every part is, with each part's status in the answer.
 */
export async function startLauncherOps(listen: { host: string; port: number }, parts: LauncherParts): Promise<OpsServer> {
  const registry = Registry.merge([parts.controlPlane.metrics.registry, parts.ledger.metrics.registry, ...(parts.enforcer ? [parts.enforcer.metrics.registry] : [])]);
  collectProcessMetrics(registry);
  return startOpsServer({
    ...listen,
    registry,
    status: async () => {
      const [controlPlane, ledger] = await Promise.all([parts.controlPlane.status(), parts.ledger.status()]);
      const enforcer = parts.enforcer?.status();
      return { ready: controlPlane.ready && ledger.ready && (enforcer?.ready ?? true), controlPlane, ledger, ...(enforcer ? { enforcer } : {}) };
    },
  });
}
