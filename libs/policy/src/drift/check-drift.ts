import type { BaselineC, Bundle, DriftC, DriftCheckC } from '../compile/compiled.js';
import { cidrContains, parseAddress } from '../match/cidr.js';
import { canonicalFingerprint } from '../match/fingerprint.js';
import type { DecisionRequest, MatchedRule, Mode, StateUpdate, WindowStateView } from '../types.js';
import { networkOf, resourceClass } from './usage-keys.js';

/** What the drift checks need of a decision in progress (decide's Evaluation). */
export interface DriftEvaluation {
  readonly bundle: Bundle;
  readonly req: DecisionRequest;
  readonly agent: { readonly id: string };
  readonly resource: string;
  readonly now: number;
  push(entry: MatchedRule, elementMode: Mode, approvalMs?: number): void;
  update(u: StateUpdate): void;
  entryMode(m: Mode): Mode;
}

const MINUTE_MS = 60_000;
const TEN_MINUTES_MS = 600_000;
const HOUR_MS = 3_600_000;
/** Items of a baseline listed in a reason before "and N more". */
const LISTED = 8;

/** What both subjects' checks compare, worked out once per decision and only if needed. */
class CallKeys {
  #resourceClass: string | undefined;
  #network: string | null | undefined;

  constructor(readonly ev: DriftEvaluation) {}

  resourceClass(): string {
    return (this.#resourceClass ??= resourceClass(this.ev.resource));
  }

  /** null: the call names no IP, or not a valid one. */
  network(): string | null {
    if (this.#network === undefined) {
      const ip = this.ev.req.source?.ip;
      this.#network = typeof ip === 'string' && ip !== '' ? (networkOf(ip) ?? null) : null;
    }
    return this.#network;
  }
}

/**
 * Checks the call against the trusted baselines of its credential and of its agent. Each
 * check that finds drift adds one `drift:<subject>:<check>` entry; rate and off-hours
 * counters are updated for every call of a baselined subject (attempts count).
 */
export function checkDrift(ev: DriftEvaluation, state: WindowStateView): void {
  const b = ev.bundle;
  const drift = b.doc.drift!;
  let keys: CallKeys | undefined;
  if (drift.credential && b.credentialBaselines.size > 0) {
    const given = ev.req.credential?.fingerprint;
    if (typeof given === 'string' && given !== '') {
      const baseline = b.credentialBaselines.get(canonicalFingerprint(given));
      if (baseline !== undefined) checkBaseline(ev, drift, baseline, state, (keys ??= new CallKeys(ev)));
    }
  }
  if (drift.agent && b.agentBaselines.size > 0) {
    const baseline = b.agentBaselines.get(ev.agent.id);
    if (baseline !== undefined) checkBaseline(ev, drift, baseline, state, keys ?? new CallKeys(ev));
  }
}

function report(ev: DriftEvaluation, check: DriftCheckC, b: BaselineC, name: string, reason: string): void {
  ev.push({ ruleId: `drift:${b.subject}:${name}`, kind: 'drift', effect: check.effect, severity: check.severity, mode: ev.entryMode('enforce'), reason }, 'enforce', check.approvalMs);
}

function listed(values: Iterable<string>): string {
  const all = [...values].map((v) => (v === '' ? '(none)' : v)).sort();
  const shown = all.slice(0, LISTED).join(', ');
  return all.length > LISTED ? `${shown} and ${all.length - LISTED} more` : shown;
}

function checkBaseline(ev: DriftEvaluation, d: DriftC, b: BaselineC, state: WindowStateView, keys: CallKeys): void {
  const req = ev.req;
  if (d.tools.enabled && b.tools !== undefined && !b.tools.has(req.tool)) {
    report(ev, d.tools, b, 'tools', `${b.label} called tool '${req.tool}', never seen in its baseline (${listed(b.tools)})`);
  }
  if (d.resources.enabled && b.resourceClasses !== undefined) {
    const rc = keys.resourceClass();
    if (!b.resourceClasses.has(rc)) {
      report(ev, d.resources, b, 'resources', `${b.label} touched resource class '${rc === '' ? '(none)' : rc}', never seen in its baseline (${listed(b.resourceClasses)})`);
    }
  }
  if (d.locations.enabled) checkLocation(ev, d, b, keys);
  if (d.rate.enabled && (b.peakPerMinute > 0 || b.peakPer10Minutes > 0)) checkRate(ev, d, b, state);
  if (d.hours.enabled && b.activeHours !== 0) checkHours(ev, d, b, state);
}

function checkLocation(ev: DriftEvaluation, d: DriftC, b: BaselineC, keys: CallKeys): void {
  const src = ev.req.source;
  const region = src?.region;
  const newRegion = b.regions !== undefined && typeof region === 'string' && region !== '' && !b.regions.has(region) ? region : undefined;
  let newNetwork: string | undefined;
  const net = b.networks === undefined ? null : keys.network();
  if (net !== null && !b.networks!.has(net)) {
    let inside = false;
    if (b.wideNetworks.length > 0) {
      // networkOf parsed it, so it is an address.
      const addr = parseAddress(src!.ip!)!;
      for (let i = 0; i < b.wideNetworks.length && !inside; i++) inside = cidrContains(b.wideNetworks[i]!, addr);
    }
    if (!inside) newNetwork = net;
  }
  if (newRegion === undefined && newNetwork === undefined) return;
  const networks = (): string => listed(b.networkList);
  let reason: string;
  if (newRegion !== undefined && newNetwork !== undefined) {
    reason = `${b.label} used from region ${newRegion} and network ${newNetwork}, never seen in its baseline (regions ${listed(b.regions!)}; networks ${networks()})`;
  } else if (newRegion !== undefined) {
    reason = `${b.label} used from region ${newRegion}, never seen in its baseline (${listed(b.regions!)})`;
  } else {
    reason = `${b.label} used from network ${newNetwork}, never seen in its baseline (${networks()})`;
  }
  report(ev, d.locations, b, 'locations', reason);
}

function windowKeys(b: BaselineC, drift: DriftC, tenant: string): NonNullable<BaselineC['windowKeys']> {
  let k = b.windowKeys;
  if (k === undefined || k.tenant !== tenant) {
    const update = (kind: string, windowMs: number): StateUpdate => Object.freeze({ key: `D\u0000${kind}\u0000${tenant}\u0000${b.key}`, windowMs, calls: 1, records: 0 });
    k = { tenant, minute: update('m', MINUTE_MS), tenMinutes: update('t', TEN_MINUTES_MS), hours: update('h', drift.hours.windowMs) };
    b.windowKeys = k;
  }
  return k;
}

function checkRate(ev: DriftEvaluation, d: DriftC, b: BaselineC, state: WindowStateView): void {
  const keys = windowKeys(b, d, ev.req.tenantId);
  // Counting this call, like limits do; read before the updates are applied.
  const c1 = state.read(keys.minute.key, MINUTE_MS, ev.now).calls + 1;
  const c10 = state.read(keys.tenMinutes.key, TEN_MINUTES_MS, ev.now).calls + 1;
  ev.update(keys.minute);
  ev.update(keys.tenMinutes);
  const r = d.rate;
  const over = (calls: number, peak: number): number => (peak > 0 && calls >= r.minCalls && calls >= r.factor * peak ? calls / peak : 0);
  const x1 = over(c1, b.peakPerMinute);
  const x10 = over(c10, b.peakPer10Minutes);
  if (x1 === 0 && x10 === 0) return;
  const [calls, window, peak, x] = x10 >= x1 ? [c10, '10m', b.peakPer10Minutes, x10] : [c1, '1m', b.peakPerMinute, x1];
  report(ev, r, b, 'rate', `${b.label} rate ${calls} calls/${window} is ${x.toFixed(1)}× the baseline peak of ${peak} (drift from ${r.factor}×)`);
}

function hourText(h: number): string {
  return `${String(h).padStart(2, '0')}:00`;
}

/** Active hours as ranges, e.g. `08:00–18:59, 22:00–22:59`. */
function hoursText(mask: number): string {
  const ranges: string[] = [];
  for (let h = 0; h < 24; h++) {
    if ((mask & (1 << h)) === 0) continue;
    let end = h;
    while (end + 1 < 24 && (mask & (1 << (end + 1))) !== 0) end++;
    ranges.push(`${hourText(h)}–${String(end).padStart(2, '0')}:59`);
    h = end;
  }
  return ranges.join(', ');
}

function checkHours(ev: DriftEvaluation, d: DriftC, b: BaselineC, state: WindowStateView): void {
  const hour = ((Math.floor(ev.now / HOUR_MS) % 24) + 24) % 24;
  if ((b.activeHours & (1 << hour)) !== 0) return;
  const h = d.hours;
  const update = windowKeys(b, d, ev.req.tenantId).hours;
  const calls = state.read(update.key, h.windowMs, ev.now).calls + 1;
  ev.update(update);
  if (calls < h.minCalls) return;
  report(ev, h, b, 'hours', `${b.label} made ${calls} calls within ${h.windowText} at ${hourText(hour)}–${String(hour).padStart(2, '0')}:59 UTC, outside its active hours (${hoursText(b.learnedHours)} UTC)`);
}
