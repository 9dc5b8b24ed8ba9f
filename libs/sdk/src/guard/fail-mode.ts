/**
 * How much harm a tool can do, which decides what happens when Thoth cannot be asked:
 * - `read`: looks, changes nothing;
 * - `write`: changes state that can be corrected;
 * - `destructive`: deletes, pays, deploys: what cannot be taken back.
 */
export type Risk = 'read' | 'write' | 'destructive';

export type FailMode = 'open' | 'closed';

export interface FailModeOptions {
  /** The tenant's fail mode (as set in the control plane). Default `closed`. */
  readonly tenant?: FailMode;
  /** Let reads through when Thoth cannot be asked, whatever the tenant's mode. Default false. */
  readonly failOpenReads?: boolean;
}

export const RISKS: readonly Risk[] = ['read', 'write', 'destructive'];

/**
 * Risk-tiered fail modes (docs/architecture.md, "Fail modes"), applied when the enforcer
 * is unreachable, too slow, or not ready:
 * - destructive tools always fail closed, whatever is configured: an unchecked delete is
 *   exactly the incident Thoth exists to stop;
 * - write tools follow the tenant's fail mode (default closed);
 * - read tools fail open when `failOpenReads` is set, else follow the tenant's mode.
 */
export function failModeFor(risk: Risk, options: FailModeOptions = {}): FailMode {
  const tenant = options.tenant ?? 'closed';
  switch (risk) {
    case 'destructive':
      return 'closed';
    case 'write':
      return tenant;
    case 'read':
      return options.failOpenReads ? 'open' : tenant;
  }
}

export function isRisk(value: unknown): value is Risk {
  return value === 'read' || value === 'write' || value === 'destructive';
}
