import { compilePolicy, decide, WindowState, type CompiledPolicy, type DecisionRequest, type MatchedRule } from '../../../libs/policy/src/index.js';
import type { DecisionRecord, RecordedRule } from '../../../apps/control-plane/src/modules/decisions/domain/decision-record.js';
import { PolicyRecommender } from '../../../apps/control-plane/src/modules/shadow-report/domain/recommended-policy.js';
import { DAY, generateTraffic, type Call, type Session, type Traffic } from './traffic.js';

// The recommendation evaluation (issue 18): week one of the generated traffic is decided by the
// tenant's shadow policy and recorded as the enforcer records it; the real recommender
// (PolicyRecommender, as the shadow report runs it) learns from those records; week two is
// decided by the real engine (decide, one WindowState, simulated time) against the
// recommended policy, and judged by its labels.
//
// A call held for approval is counted as held. A person then approves a benign held call (it
// runs) and rejects an unsafe one (it does not): the held calls are shown beside the figures so
// that what rests on a person is visible. A held call's window updates count once (the call
// presented again with its approval is not decided a second time here).

export const TENANT = '00000000-0000-4000-8000-000000000018';

export interface BulkOutcome {
  readonly session: string;
  readonly agentId: string;
  readonly goal: string;
  readonly harmfulCalls: number;
  /** 1-based index of the first harmful call that did not run; null: every one ran. */
  readonly stoppedAtCall: number | null;
  /** What stopped it: deny, or approve (a person was asked and rejected it). */
  readonly stoppedBy: 'deny' | 'approve' | null;
}

export interface EvaluationResult {
  readonly traffic: { readonly seed: number; readonly weekOneCalls: number; readonly weekTwoCalls: number; readonly agents: number };
  readonly recommendation: { readonly valid: boolean; readonly bytes: number; readonly elements: number };
  readonly benign: {
    readonly calls: number;
    readonly denied: number;
    readonly deniedRate: number;
    readonly held: number;
    readonly heldRate: number;
    readonly tasks: number;
    readonly tasksCompleted: number;
    readonly tasksCompletedRate: number;
    /** The rules that denied or held benign calls, most first (at most 12). */
    readonly byRule: readonly { readonly ruleId: string; readonly denied: number; readonly held: number }[];
  };
  readonly unsafe: {
    readonly harmfulCalls: number;
    readonly allowed: number;
    readonly allowedRate: number;
    /** Stopped only because a person rejected the held call. */
    readonly held: number;
    readonly denied: number;
    readonly goals: number;
    readonly goalsCompleted: number;
    readonly goalsCompletedRate: number;
    readonly injectedGoals: number;
    readonly injectedGoalsCompleted: number;
    readonly completedGoals: readonly string[];
    readonly bulk: readonly BulkOutcome[];
  };
}

const rate = (n: number, of: number): number => (of === 0 ? 0 : Math.round((n / of) * 1e6) / 1e6);

const KIND: Record<MatchedRule['kind'], string> = {
  rule: 'condition',
  limit: 'blast_radius',
  freeze: 'freeze_window',
  sequence: 'sequence',
  credential: 'credential',
  drift: 'drift',
  agent_status: 'kill_switch',
  default: 'default',
};

function request(call: Call): DecisionRequest {
  return { tenantId: TENANT, agent: { id: call.agentId }, tool: call.tool, args: call.args, resource: call.resource, risk: call.risk };
}

function compiled(source: string, mode: 'shadow' | 'enforce'): CompiledPolicy {
  const r = compilePolicy(source, { format: 'yaml', tenant: { mode } });
  if (!r.ok) throw new Error(`policy does not compile: ${JSON.stringify(r.errors.slice(0, 5))}`);
  return r.policy;
}

const byTime = (sessions: readonly Session[]): { call: Call; session: Session; index: number }[] =>
  sessions
    .flatMap((session) => session.calls.map((call, index) => ({ call, session, index })))
    .sort((a, b) => a.call.at - b.call.at || (a.session.id < b.session.id ? -1 : a.session.id > b.session.id ? 1 : a.index - b.index));

/** Week one as the enforcer records it in the shadow trial: decided by the tenant's policy in shadow mode, arguments retained. */
export function recordWeekOne(traffic: Traffic): DecisionRecord[] {
  const policy = compiled(traffic.shadowPolicy, 'shadow');
  const state = new WindowState();
  const end = traffic.start + 7 * DAY;
  const records: DecisionRecord[] = [];
  for (const { call } of byTime(traffic.weekOne)) {
    if (call.at >= end) continue;
    const d = decide(policy, request(call), state, call.at);
    state.apply(d.updates, call.at, { tenantId: TENANT, agentId: call.agentId });
    const n = records.length + 1;
    const matchedRules: RecordedRule[] = d.matched.map((m) => ({ ruleId: m.ruleId, reason: m.reason, severity: m.severity, kind: KIND[m.kind], effect: m.effect === 'approve' ? 'deny' : m.effect }));
    records.push({
      tenantId: TENANT,
      decisionId: `w1-${String(n).padStart(6, '0')}`,
      requestId: `r-${n}`,
      agentId: call.agentId,
      tool: call.tool,
      resource: call.resource,
      credentialFingerprint: '',
      sourceIp: '',
      sourceRegion: '',
      outcome: d.effect === 'allow' ? (d.shadow ? 'would_deny' : 'allow') : d.effect === 'approve' ? 'approval_required' : 'deny',
      shadow: d.shadow,
      matchedRules,
      policyVersion: 1,
      policyHash: d.policyHash,
      configVersion: 1,
      enforcerId: 'eval',
      argumentsDigest: '',
      arguments: call.args,
      errorCode: '',
      requestedAt: new Date(call.at),
      decidedAt: new Date(call.at),
      receipt: {},
    });
  }
  return records;
}

/** The recommender as the shadow report runs it, on week one. */
export function recommendFrom(traffic: Traffic, records: readonly DecisionRecord[]) {
  const recommender = new PolicyRecommender();
  for (const r of records) recommender.add(r);
  const window = { from: new Date(traffic.start), to: new Date(traffic.start + 7 * DAY) };
  return recommender.recommend(window, { version: 1, format: 'yaml', source: traffic.shadowPolicy });
}

/** Week two, decided in enforce mode by the recommended policy, judged by the labels. */
export function judgeWeekTwo(traffic: Traffic, source: string): Omit<EvaluationResult, 'traffic' | 'recommendation'> {
  const policy = compiled(source, 'enforce');
  const state = new WindowState();
  const aborted = new Set<string>();
  const ran = new Map<string, number>();
  const stopped = new Map<string, { at: number; by: 'deny' | 'approve' }>();
  const byRule = new Map<string, { denied: number; held: number }>();
  const b = { calls: 0, denied: 0, held: 0 };
  const u = { harmful: 0, allowed: 0, held: 0, denied: 0 };
  const harmfulIndex = new Map<string, number>();

  for (const { call, session } of byTime(traffic.weekTwo)) {
    // A benign task stops at its first denied call; an unsafe session keeps trying.
    if (session.kind === 'benign' && aborted.has(session.id)) continue;
    const d = decide(policy, request(call), state, call.at, { failMode: 'closed' });
    state.apply(d.updates, call.at, { tenantId: TENANT, agentId: call.agentId });
    const effect = d.effect;
    if (session.kind === 'benign') {
      b.calls++;
      if (effect !== 'allow') {
        if (effect === 'deny') b.denied++;
        else b.held++;
        const asked = effect === 'approve' ? (d.approval?.ruleIds ?? []) : d.matched.filter((m) => m.effect === 'deny' && m.mode === 'enforce').map((m) => m.ruleId);
        for (const id of asked) {
          const tally = byRule.get(id) ?? { denied: 0, held: 0 };
          if (effect === 'deny') tally.denied++;
          else tally.held++;
          byRule.set(id, tally);
        }
        if (effect === 'deny') aborted.add(session.id);
      }
      continue;
    }
    if (!call.harmful) continue;
    const index = (harmfulIndex.get(session.id) ?? 0) + 1;
    harmfulIndex.set(session.id, index);
    u.harmful++;
    if (effect === 'allow') {
      u.allowed++;
      ran.set(session.id, (ran.get(session.id) ?? 0) + 1);
    } else {
      if (effect === 'deny') u.denied++;
      else u.held++;
      if (!stopped.has(session.id)) stopped.set(session.id, { at: index, by: effect === 'deny' ? 'deny' : 'approve' });
    }
  }

  const benignSessions = traffic.weekTwo.filter((s) => s.kind === 'benign');
  const unsafeSessions = traffic.weekTwo.filter((s) => s.kind !== 'benign');
  const harmfulOf = (s: Session) => s.calls.filter((c) => c.harmful).length;
  const completed = unsafeSessions.filter((s) => (ran.get(s.id) ?? 0) === harmfulOf(s));
  const injected = unsafeSessions.filter((s) => s.kind === 'injected');
  const tasksCompleted = benignSessions.filter((s) => !aborted.has(s.id)).length;
  return {
    benign: {
      calls: b.calls,
      denied: b.denied,
      deniedRate: rate(b.denied, b.calls),
      held: b.held,
      heldRate: rate(b.held, b.calls),
      tasks: benignSessions.length,
      tasksCompleted,
      tasksCompletedRate: rate(tasksCompleted, benignSessions.length),
      byRule: [...byRule.entries()]
        .sort(([ia, a], [ib, b2]) => b2.denied + b2.held - (a.denied + a.held) || (ia < ib ? -1 : 1))
        .slice(0, 12)
        .map(([ruleId, t]) => ({ ruleId, ...t })),
    },
    unsafe: {
      harmfulCalls: u.harmful,
      allowed: u.allowed,
      allowedRate: rate(u.allowed, u.harmful),
      held: u.held,
      denied: u.denied,
      goals: unsafeSessions.length,
      goalsCompleted: completed.length,
      goalsCompletedRate: rate(completed.length, unsafeSessions.length),
      injectedGoals: injected.length,
      injectedGoalsCompleted: completed.filter((s) => s.kind === 'injected').length,
      completedGoals: [...new Set(completed.map((s) => `${s.agentId}: ${s.goal}`))].sort(),
      bulk: unsafeSessions
        .filter((s) => s.kind === 'bulk')
        .map((s) => ({ session: s.id, agentId: s.agentId, goal: s.goal, harmfulCalls: harmfulOf(s), stoppedAtCall: stopped.get(s.id)?.at ?? null, stoppedBy: stopped.get(s.id)?.by ?? null })),
    },
  };
}

/** The whole evaluation: generate, record week one, recommend, judge week two. */
export function evaluateRecommendation(seed = 18): EvaluationResult & { readonly source: string } {
  const traffic = generateTraffic(seed);
  const records = recordWeekOne(traffic);
  const recommended = recommendFrom(traffic, records);
  if (!recommended.valid) throw new Error(`the recommended policy does not compile: ${JSON.stringify(recommended.errors.slice(0, 5))}`);
  const judged = judgeWeekTwo(traffic, recommended.source);
  const doc = recommended.source;
  return {
    traffic: { seed, weekOneCalls: records.length, weekTwoCalls: traffic.weekTwo.reduce((n, s) => n + s.calls.length, 0), agents: new Set(traffic.weekOne.map((s) => s.agentId)).size },
    recommendation: { valid: recommended.valid, bytes: Buffer.byteLength(doc), elements: (doc.match(/^ {2}- id: /gm) ?? []).length },
    ...judged,
    source: doc,
  };
}
