/**
 * An enforcer's maximum staleness (docs/security.md, "A blocked config stream"). An enforcer that
 * loses its control plane decides on its last known good snapshots; whoever can block the config
 * stream (not only stop the control plane) would otherwise freeze enforcement, and keep serving an
 * agent suspended since. Past the maximum, the enforcer no longer trusts what it holds: writes and
 * destructive calls are denied CONFIG_STALE, reads follow the tenant's fail mode, /readyz says so.
 *
 * The clock is the control plane's last message, not the last activation: a snapshot is pushed only
 * when it changes, and a heartbeat is sent only when nothing is left to push, so a heartbeat confirms
 * that a quiet tenant's old snapshot is still current.
 */
export class ConfigStaleness {
  constructor(
    readonly maxMs: number,
    /** Ms since the control plane last confirmed the snapshots held: the ConfigStreamClient. */
    readonly stream: { unconfirmedMs(now: number): number },
  ) {}

  /** Why the snapshots are no longer trusted at `now`; undefined while they are. */
  stale(now: number): string | undefined {
    const ms = this.stream.unconfirmedMs(now);
    if (ms <= this.maxMs) return undefined;
    return `the control plane has not confirmed this enforcer's config for ${seconds(ms)} s, past its maximum staleness of ${seconds(this.maxMs)} s (the config stream is down or blocked)`;
  }
}

/** Five minutes: thirty of the control plane's heartbeats, and several reconnections at the longest backoff. */
export const DEFAULT_MAX_STALENESS_MS = 300_000;

const seconds = (ms: number) => Math.floor(ms / 1000);
