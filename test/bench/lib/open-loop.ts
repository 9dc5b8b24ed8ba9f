// The schedule of an open-loop load generator, and its latency accounting: a request's latency
// runs from when it was due, not from when it left. A generator that stalls (its own GC, a
// busy machine, a server that blocks its event loop) sends the requests it owes late and
// together; timing them from their actual send would hide the stall from every one of them
// (coordinated omission). Times are ns since the schedule started.

/** When request `n` (0-based) is due at `rate` requests per second. */
export function intendedSendNs(n: number, rate: number): number {
  return (n * 1e9) / rate;
}

/** How many of `total` requests are due by `elapsedNs` (request 0 is due at once). */
export function dueBy(elapsedNs: number, rate: number, total: number): number {
  return Math.min(total, Math.floor((elapsedNs / 1e9) * rate) + 1);
}

/** The latency, ms, of request `n` answered at `answeredNs`: from its intended send time. */
export function openLoopLatencyMs(n: number, rate: number, answeredNs: number): number {
  return (answeredNs - intendedSendNs(n, rate)) / 1e6;
}
