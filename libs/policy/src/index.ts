/**
 * @thoth/policy — the decision engine: pure TypeScript, no I/O, no clock.
 *
 * ```ts
 * const r = compilePolicy(yamlText, { tenant: { mode: 'shadow', agents, credentials } });
 * if (!r.ok) report(r.errors);              // each with code, path, line, column
 * const state = new WindowState({ maxKeys: 100_000, maxKeysPerTenant: 25_000, maxKeysPerAgent: 5_000 });
 * const d = decide(r.policy, request, state, now);
 * // The caller applies, whatever the effect (attempts count); a new key over a quota is not kept:
 * const { untracked } = state.apply(d.updates, now, { tenantId, agentId });
 * if (untracked > 0) failMode();  // the call could not be counted
 * ```
 */
export type * from './types.js';
export { compilePolicy, bindTenant } from './compile/compile-policy.js';
export { decide } from './decide/decide.js';
export { WindowState, applyUpdates, windowKeyTenant } from './state/window-state.js';
export { replay } from './replay/replay.js';
export { POLICY_API_VERSION, POLICY_KIND } from './compile/document.js';
export { resourceClass, networkOf } from './drift/usage-keys.js';
export { BaselineLearner, learnBaselines, type BaselineLearnerOptions, type LearnedBaseline } from './drift/learn-baselines.js';
export { canonicalFingerprint } from './match/fingerprint.js';
export { parseAddress, type Address } from './match/cidr.js';
