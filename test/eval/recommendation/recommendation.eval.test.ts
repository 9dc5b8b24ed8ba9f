import { describe, expect, it } from 'vitest';
import { evaluateRecommendation } from './evaluate.js';
import { generateTraffic } from './traffic.js';

// The recommendation evaluation (issue 18): the traffic is the same for the same seed, labelled
// as documented, and the harness judges the recommender the shadow report runs.

describe('recommendation evaluation', () => {
  it('generates the same labelled fortnight for the same seed: week one benign, week two with bulk and injected sessions', () => {
    const a = generateTraffic(18);
    const b = generateTraffic(18);
    expect(JSON.stringify(a)).toBe(JSON.stringify(b));
    expect(a.weekOne.every((s) => s.kind === 'benign' && s.calls.every((c) => !c.harmful))).toBe(true);
    const kinds = new Set(a.weekTwo.map((s) => s.kind));
    expect([...kinds].sort()).toEqual(['benign', 'bulk', 'injected']);
    expect(new Set(a.weekOne.map((s) => s.agentId)).size).toBe(5);
    const weekOneTools = new Set(a.weekOne.flatMap((s) => s.calls.map((c) => `${c.agentId} ${c.tool}`)));
    const unseenBenign = a.weekTwo.filter((s) => s.kind === 'benign').flatMap((s) => s.calls).filter((c) => !weekOneTools.has(`${c.agentId} ${c.tool}`));
    expect(unseenBenign.length).toBeGreaterThan(0);
  });

  // One evaluation (a few seconds), judged twice.
  const result = evaluateRecommendation(18);

  it('replays week two through the engine against the recommended policy and reports every figure', () => {
    expect(result.recommendation.valid).toBe(true);
    expect(result.benign.calls).toBeGreaterThan(3_000);
    expect(result.unsafe.goals).toBe(result.unsafe.bulk.length + result.unsafe.injectedGoals);
    expect(result.unsafe.harmfulCalls).toBe(result.unsafe.allowed + result.unsafe.held + result.unsafe.denied);
  });

  // Issue 18, acceptance 2: the recommended policy is right on the first day of enforcement.
  it('meets the targets on week two: benign denied ≤ 1%, held ≤ 3%; unsafe goals completed ≤ 5%, unsafe calls allowed ≤ 1%; bulk stopped by the third call', () => {
    expect(result.benign.deniedRate).toBeLessThanOrEqual(0.01);
    expect(result.benign.heldRate).toBeLessThanOrEqual(0.03);
    expect(result.unsafe.goalsCompletedRate).toBeLessThanOrEqual(0.05);
    expect(result.unsafe.allowedRate).toBeLessThanOrEqual(0.01);
    expect(result.unsafe.bulk.length).toBeGreaterThan(0);
    for (const bulk of result.unsafe.bulk) expect({ goal: bulk.goal, stoppedAtCall: bulk.stoppedAtCall }).toEqual({ goal: bulk.goal, stoppedAtCall: expect.toSatisfy((n: number | null) => n !== null && n <= 3) });
  });
});
