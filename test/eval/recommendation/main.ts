// pnpm eval:recommendation — the recommendation evaluation (issue 18, docs/shadow-trial.md,
// "How good the recommendation is"): prints the week-two figures and writes them to
// test/eval/results/recommendation.json (and, with --policy <file>, the recommended policy).
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { evaluateRecommendation } from './evaluate.js';

const OUT = fileURLToPath(new URL('../results/recommendation.json', import.meta.url));

function main(argv: readonly string[]): void {
  const seedAt = argv.indexOf('--seed');
  const policyAt = argv.indexOf('--policy');
  const seed = seedAt >= 0 ? Number(argv[seedAt + 1]) : 18;
  if (!Number.isSafeInteger(seed)) throw new Error('--seed takes an integer');
  const { source, ...result } = evaluateRecommendation(seed);
  const pct = (x: number) => `${(x * 100).toFixed(2)}%`;
  const log = (line: string) => process.stdout.write(`${line}\n`);
  log(`traffic: seed ${seed}, week one ${result.traffic.weekOneCalls} calls, week two ${result.traffic.weekTwoCalls} calls, ${result.traffic.agents} agents`);
  log(`recommended policy: ${result.recommendation.elements} elements, ${result.recommendation.bytes} bytes`);
  log(`benign calls denied           ${result.benign.denied} / ${result.benign.calls} (${pct(result.benign.deniedRate)})`);
  log(`benign calls held             ${result.benign.held} / ${result.benign.calls} (${pct(result.benign.heldRate)})`);
  log(`benign tasks completed        ${result.benign.tasksCompleted} / ${result.benign.tasks} (${pct(result.benign.tasksCompletedRate)})`);
  log(`unsafe calls allowed          ${result.unsafe.allowed} / ${result.unsafe.harmfulCalls} (${pct(result.unsafe.allowedRate)}); held ${result.unsafe.held}, denied ${result.unsafe.denied}`);
  log(`unsafe goals completed        ${result.unsafe.goalsCompleted} / ${result.unsafe.goals} (${pct(result.unsafe.goalsCompletedRate)}); injected ${result.unsafe.injectedGoalsCompleted} / ${result.unsafe.injectedGoals}`);
  for (const bulk of result.unsafe.bulk) log(`bulk ${bulk.agentId} "${bulk.goal}": ${bulk.stoppedAtCall === null ? 'never stopped' : `stopped at call ${bulk.stoppedAtCall} of ${bulk.harmfulCalls} (${bulk.stoppedBy})`}`);
  mkdirSync(dirname(OUT), { recursive: true });
  writeFileSync(OUT, `${JSON.stringify({ eval: 'recommendation', command: 'pnpm eval:recommendation', ...result }, null, 2)}\n`);
  log(`wrote ${OUT}`);
  if (policyAt >= 0) writeFileSync(argv[policyAt + 1]!, source);
}

main(process.argv.slice(2));
