import type { Cidr } from '../match/cidr.js';
import { canonicalFingerprint } from '../match/fingerprint.js';
import type { Baseline, Severity } from '../types.js';
import type { BaselineC, DriftC, DriftCheckC } from '../compile/compiled.js';
import type { ApprovalDoc, DriftActionDoc, DriftCheckDoc, DriftDoc } from '../compile/document.js';
import { baselineNetwork } from './usage-keys.js';

const EFFECT = { deny: 'deny', alert: 'flag', observe: 'observe', approve: 'approve' } as const satisfies Record<DriftActionDoc, DriftCheckC['effect']>;
const ALL_HOURS = 0xffffff;

/** Defaults of the `drift` section (docs/policy.md). */
export const DRIFT_DEFAULTS = { action: 'alert', severity: 'high', minObservations: 50, rateFactor: 5, rateMinCalls: 10, hoursMinCalls: 5, hoursWindow: '10m', slackHours: 1 } as const;

/** How the compiler parses (and reports) what the drift section names. */
export interface DriftParsers {
  /** The hours window. */
  readonly duration: (text: string) => number;
  /** An `approval` (path under `drift`), else `fallback` ms. */
  readonly approval: (a: ApprovalDoc | undefined, fallback: number, path: (string | number)[]) => number;
  /** The document's `defaults.approvalExpiresIn`, ms. */
  readonly approvalMs: number;
}

/** The document's `drift` section with its defaults filled in. */
export function compileDrift(d: DriftDoc, parse: DriftParsers): DriftC {
  const { duration } = parse;
  const action = d.action ?? DRIFT_DEFAULTS.action;
  const severity: Severity = d.severity ?? DRIFT_DEFAULTS.severity;
  const approvalMs = parse.approval(d.approval, parse.approvalMs, []);
  const check = (c: DriftCheckDoc | undefined, name: string): DriftCheckC => ({
    enabled: c?.enabled ?? true,
    effect: EFFECT[c?.action ?? action],
    severity: c?.severity ?? severity,
    approvalMs: parse.approval(c?.approval, approvalMs, ['checks', name]),
  });
  const subjects = new Set(d.subjects ?? ['credential', 'agent']);
  const rate = d.checks?.rate;
  const hours = d.checks?.hours;
  const windowText = hours?.window ?? DRIFT_DEFAULTS.hoursWindow;
  return {
    credential: subjects.has('credential'),
    agent: subjects.has('agent'),
    minObservations: d.minObservations ?? DRIFT_DEFAULTS.minObservations,
    resources: check(d.checks?.resources, 'resources'),
    locations: check(d.checks?.locations, 'locations'),
    tools: check(d.checks?.tools, 'tools'),
    rate: { ...check(rate, 'rate'), factor: rate?.factor ?? DRIFT_DEFAULTS.rateFactor, minCalls: rate?.minCalls ?? DRIFT_DEFAULTS.rateMinCalls },
    hours: {
      ...check(hours, 'hours'),
      minCalls: hours?.minCalls ?? DRIFT_DEFAULTS.hoursMinCalls,
      windowMs: duration(windowText),
      windowText,
      slackHours: hours?.slackHours ?? DRIFT_DEFAULTS.slackHours,
    },
  };
}

/** Hours within `slack` of an active hour, around the clock. */
function widen(mask: number, slack: number): number {
  let out = mask;
  for (let k = 1; k <= slack; k++) out |= ((mask << k) | (mask >>> (24 - k))) & ALL_HOURS;
  for (let k = 1; k <= slack; k++) out |= ((mask >>> k) | (mask << (24 - k))) & ALL_HOURS;
  return out;
}

const nonEmpty = (list: readonly string[] | undefined): ReadonlySet<string> | undefined => (list === undefined || list.length === 0 ? undefined : new Set(list));
const count = (n: number | undefined): number => (typeof n === 'number' && Number.isFinite(n) && n > 0 ? Math.floor(n) : 0);

/**
 * Compiles one tenant baseline; problems are reported through `error` (path relative to
 * the baseline) and make it undefined.
 */
export function compileBaseline(
  b: Baseline,
  drift: DriftC,
  error: (code: string, message: string, path: string) => void,
): { subject: 'credential' | 'agent'; id: string; observations: number; baseline: BaselineC } | undefined {
  let ok = true;
  if (b.subject !== 'credential' && b.subject !== 'agent') {
    error('baseline.invalid', `subject must be credential or agent, got ${JSON.stringify(b.subject)}`, '/subject');
    ok = false;
  }
  if (typeof b.id !== 'string' || b.id === '') {
    error('baseline.invalid', 'id must be a non-empty string', '/id');
    ok = false;
  }
  let mask = 0;
  (b.activeHoursUtc ?? []).forEach((h, j) => {
    if (!Number.isInteger(h) || h < 0 || h > 23) {
      error('baseline.invalid', `hour ${JSON.stringify(h)} is not an integer from 0 to 23`, `/activeHoursUtc/${j}`);
      ok = false;
    } else mask |= 1 << h;
  });
  let networks: Set<string> | undefined;
  const wideNetworks: Cidr[] = [];
  const networkList: string[] = [];
  (b.networks ?? []).forEach((text, j) => {
    const n = baselineNetwork(text);
    if (n === undefined) {
      error('cidr.invalid', `'${text}' is not an IPv4 or IPv6 CIDR`, `/networks/${j}`);
      ok = false;
    } else if ('key' in n) {
      (networks ??= new Set()).add(n.key);
      networkList.push(n.key);
    } else {
      wideNetworks.push(n.cidr);
      networkList.push(text);
    }
  });
  if (!ok) return undefined;
  const id = b.subject === 'credential' ? canonicalFingerprint(b.id) : b.id;
  return {
    subject: b.subject,
    id,
    observations: count(b.observations),
    baseline: {
      label: b.subject === 'credential' ? `credential ${id.length > 12 ? `${id.slice(0, 12)}…` : id}` : `agent '${id}'`,
      subject: b.subject,
      key: `${b.subject === 'credential' ? 'c' : 'a'}\u0000${id}`,
      observations: count(b.observations),
      resourceClasses: nonEmpty(b.resourceClasses),
      regions: nonEmpty(b.regions),
      networks: networks ?? (wideNetworks.length > 0 ? new Set() : undefined),
      wideNetworks,
      networkList: [...new Set(networkList)],
      tools: nonEmpty(b.tools),
      peakPerMinute: count(b.peakPerMinute),
      peakPer10Minutes: count(b.peakPer10Minutes),
      activeHours: mask === 0 ? 0 : widen(mask, drift.hours.slackHours),
      learnedHours: mask,
      windowKeys: undefined,
    },
  };
}
