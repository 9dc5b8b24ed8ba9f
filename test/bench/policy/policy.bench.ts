// pnpm bench:policy — Thoth's decide() against Cedar (@cedar-policy/cedar-wasm, same
// process) on equivalent tenant policies of 10, 200 and 2,000 rules, and on pathological
// matches() patterns over a 256 KiB argument (regex-adversarial.ts).
import * as cedar from '@cedar-policy/cedar-wasm/nodejs';
import { compilePolicy, decide, WindowState, type CompiledPolicy, type DecisionRequest } from '@thoth/policy';
import { BenchReport, clockOverheadNs, exposeGc, measureLatency, retainedHeapBytes } from '../lib/results.js';
import { cedarPolicySet, cedarRequest } from './cedar-policy.js';
import { benchDfaHostile, benchRegexAdversarial, DFA_HOSTILE } from './regex-adversarial.js';
import { BENCH_NOW_MS, generateRequests, generateTenantPolicy, type TenantPolicy } from './tenant-policy.js';
import { thothDocument, thothRequest, thothTenant } from './thoth-policy.js';

const SIZES = [10, 200, 2000] as const;
/** Requests cycled through by every loop (a power of two, indexed with a mask). */
const POOL = 4096;
/** Cedar budget per size, ms: at 2,000 rules one Cedar decision takes milliseconds. */
const CEDAR_BUDGET_MS: Record<(typeof SIZES)[number], number> = { 10: 8_000, 200: 12_000, 2000: 24_000 };
const CEDAR_EQUIVALENCE_SAMPLE: Record<(typeof SIZES)[number], number> = { 10: POOL, 200: POOL, 2000: 512 };

function compileThoth(tenant: TenantPolicy): CompiledPolicy {
  const result = compilePolicy(thothDocument(tenant), { tenant: thothTenant(tenant) });
  if (!result.ok) throw new Error(`bench policy does not compile: ${JSON.stringify(result.errors.slice(0, 5), null, 2)}`);
  return result.policy;
}

function preparseCedar(id: string, tenant: TenantPolicy): void {
  const answer = cedar.preparsePolicySet(id, { staticPolicies: cedarPolicySet(tenant) });
  if (answer.type !== 'success') throw new Error(`Cedar policy set does not parse: ${JSON.stringify(answer.errors.slice(0, 3))}`);
}

const log = (line: string) => process.stdout.write(`${line}\n`);

async function main(): Promise<void> {
  const gc = await exposeGc();
  const report = new BenchReport('policy');
  const clockNs = clockOverheadNs();
  log(`node ${process.version}, cedar ${cedar.getCedarVersion()}, hrtime pair ~${clockNs} ns`);

  const rows: string[][] = [];
  for (const size of SIZES) {
    const tenant = generateTenantPolicy(size);
    const t0 = process.hrtime.bigint();
    const policy = compileThoth(tenant);
    report.add(`thoth.compile.rules${size}.ms`, Number(process.hrtime.bigint() - t0) / 1e6, 'ms');
    const psetId = `bench-${size}`;
    const t1 = process.hrtime.bigint();
    preparseCedar(psetId, tenant);
    report.add(`cedar.compile.rules${size}.ms`, Number(process.hrtime.bigint() - t1) / 1e6, 'ms');

    const requests = generateRequests(tenant, POOL);
    const thothRequests: DecisionRequest[] = requests.map(thothRequest);
    const cedarCalls = requests.map((r) => ({ ...cedarRequest(r), preparsedPolicySetId: psetId }));

    // Same stateless answers, or the comparison means nothing. Fresh state: no limit can fire.
    const empty = new WindowState();
    let allowed = 0;
    let mismatches = 0;
    let cut = 0;
    const checked = CEDAR_EQUIVALENCE_SAMPLE[size];
    for (let i = 0; i < checked; i++) {
      const ours = decide(policy, thothRequests[i]!, empty, BENCH_NOW_MS);
      const theirs = cedar.statefulIsAuthorized(cedarCalls[i]!);
      if (theirs.type !== 'success') throw new Error(`Cedar failed: ${JSON.stringify(theirs.errors)}`);
      if (theirs.response.diagnostics.errors.length > 0) throw new Error(`Cedar policy error: ${JSON.stringify(theirs.response.diagnostics.errors[0])}`);
      if (ours.effect === 'allow') allowed++;
      // A pause of the process (a garbage collection, the scheduler) longer than the evaluation
      // budget cuts a decision, as it would in an enforcer: counted, not taken for a disagreement.
      if (ours.error?.code === 'budget.exceeded') {
        cut++;
        continue;
      }
      if (ours.effect !== theirs.response.decision) {
        if (mismatches++ < 3) {
          log(`MISMATCH rules${size}: thoth=${ours.effect} [${ours.matched.map((m) => `${m.ruleId}:${m.effect}`).join(' ')}]${ours.error ? ` error=${ours.error.message}` : ''}` +
            ` cedar=${theirs.response.decision} [${theirs.response.diagnostics.reason.join(' ')}]\n  request=${JSON.stringify(thothRequests[i])}`);
        }
      }
    }
    report.add(`equivalence.rules${size}.checked`, checked, 'count');
    report.add(`equivalence.rules${size}.mismatches`, mismatches, 'count');
    report.add(`equivalence.rules${size}.budget_cut`, cut, 'count');
    report.add(`thoth.decide.rules${size}.allowed_ratio`, allowed / checked, 'ratio');

    // Thoth: decide, then apply the updates as the enforcer does; time advances 1 ms a call.
    const state = new WindowState();
    const thoth = measureLatency(
      (i) => {
        const now = BENCH_NOW_MS + i;
        const d = decide(policy, thothRequests[i & (POOL - 1)]!, state, now);
        state.apply(d.updates, now);
        return d;
      },
      { warmup: 20_000, samples: 200_000, minSamples: 20_000, budgetMs: 6_000 },
    );
    report.addLatency(`thoth.decide.rules${size}`, thoth);

    const theirs = measureLatency((i) => cedar.statefulIsAuthorized(cedarCalls[i & (POOL - 1)]!), {
      warmup: size === 2000 ? 20 : 500,
      samples: 50_000,
      minSamples: size === 2000 ? 500 : 2_000,
      budgetMs: CEDAR_BUDGET_MS[size],
    });
    report.addLatency(`cedar.decide.rules${size}`, theirs);
    report.add(`cedar_over_thoth.rules${size}.p50_ratio`, theirs.p50Us / thoth.p50Us, 'ratio');
    report.add(`cedar_over_thoth.rules${size}.p99_ratio`, theirs.p99Us / thoth.p99Us, 'ratio');
    report.add(`thoth_over_cedar.rules${size}.throughput_ratio`, thoth.throughputPerS / theirs.throughputPerS, 'ratio');
    rows.push([
      String(size),
      thoth.p50Us.toFixed(2),
      thoth.p99Us.toFixed(2),
      Math.round(thoth.throughputPerS).toLocaleString('en-US'),
      theirs.p50Us.toFixed(1),
      theirs.p99Us.toFixed(1),
      Math.round(theirs.throughputPerS).toLocaleString('en-US'),
      (theirs.p50Us / thoth.p50Us).toFixed(1),
      `${mismatches}/${checked}`,
    ]);
    log(`rules${size}: done (thoth ${thoth.samples} samples, cedar ${theirs.samples})`);
  }

  // Pathological matches() patterns on a 256 KiB argument (red-team item 3).
  const adversarial = benchRegexAdversarial(report);
  const hostile = benchDfaHostile(report);
  log('regex_adversarial: done');

  // Heap of a compiled 200-rule policy (the document object already exists; compile warmed above).
  const tenant200 = generateTenantPolicy(200);
  const doc200 = thothDocument(tenant200);
  const ctx200 = thothTenant(tenant200);
  const compiled = retainedHeapBytes(gc, () => compilePolicy(doc200, { tenant: ctx200 }));
  report.add('thoth.policy.rules200.heap_bytes', compiled.bytes, 'bytes');

  // Bytes per live window key: 100,000 keys shaped like the engine's own.
  const policy200 = compileThoth(tenant200);
  const sampleRequest = generateRequests(tenant200, 64).map(thothRequest);
  const template = sampleRequest
    .map((r) => decide(policy200, r, new WindowState(), BENCH_NOW_MS))
    .find((d) => d.effect === 'allow' && d.updates.length > 0)?.updates[0];
  if (template === undefined) throw new Error('no allowed decision produced a state update');
  const keys = 100_000;
  const filled = retainedHeapBytes(gc, () => {
    const state = new WindowState({ maxKeys: keys });
    for (let i = 0; i < keys; i++) {
      state.apply([{ key: `${template.key}#${i}`, windowMs: template.windowMs, calls: 1, records: 1 }], BENCH_NOW_MS + i);
    }
    return state;
  });
  const stats = filled.value.stats();
  report.add('thoth.state.live_keys', stats.liveKeys, 'count');
  report.add('thoth.state.bytes_per_live_key', filled.bytes / stats.liveKeys, 'bytes');
  report.add('thoth.state.approx_bytes_per_live_key', stats.approxBytes / stats.liveKeys, 'bytes');
  report.add('bench.hrtime_pair_us', clockNs / 1000, 'us');

  report.note('p50/p99: every call timed alone with process.hrtime.bigint(); each reading includes the clock pair (bench.hrtime_pair_us).');
  report.note('throughput: a second loop over the same calls, timed as a whole. Thoth timings include applying state updates.');
  report.note('Cedar: statefulIsAuthorized on a pre-parsed policy set (isAuthorized with policy text re-parses it on every call).');
  report.note('Cedar has no equivalent of limits (stateful windows); the Thoth policies carry 2 limits Cedar does not evaluate.');
  report.note('Tool globs are expanded to `action in [...]` over the tool catalog; freeze ranges become context.now_ms checks.');
  report.note('regex_adversarial: one deny rule `args.text.matches(P)` per pattern, a 256 KiB argument it does not match (allow); policy.regex_adversarial.p99_us is the worst pattern\'s p99; "cut at budget": the share decide() stopped at its evaluation budget (denied by the fail mode); Cedar runs `context.text like` where P is a glob.');
  report.note(`regex_dfa_hostile: ${DFA_HOSTILE.pattern} on 256 KiB of scrambled a/b: the match alone, and decide(), whose 5 ms budget stops it (${hostile.error}).`);

  const header = ['rules', 'thoth p50 µs', 'thoth p99 µs', 'thoth dec/s', 'cedar p50 µs', 'cedar p99 µs', 'cedar dec/s', 'cedar/thoth p50', 'mismatch'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]?.length ?? 0)));
  log('');
  log(header.map((h, i) => h.padStart(widths[i]!)).join('  '));
  for (const r of rows) log(r.map((c, i) => c.padStart(widths[i]!)).join('  '));
  log('');
  const regexHeader = ['pattern', 'thoth p50 µs', 'thoth p99 µs', 'thoth max µs', 'cut at budget', 'cedar p50 µs', 'cedar p99 µs'];
  const regexRows = adversarial.map((r) => [
    r.pattern,
    r.thoth.p50Us.toFixed(0),
    r.thoth.p99Us.toFixed(0),
    r.thoth.maxUs.toFixed(0),
    `${(r.cutRatio * 100).toFixed(0)}%`,
    r.cedar ? r.cedar.p50Us.toFixed(0) : '-',
    r.cedar ? r.cedar.p99Us.toFixed(0) : '-',
  ]);
  regexRows.push([`${DFA_HOSTILE.pattern} (decide)`, hostile.decided.p50Us.toFixed(0), hostile.decided.p99Us.toFixed(0), hostile.decided.maxUs.toFixed(0), '', '-', '-']);
  regexRows.push([`${DFA_HOSTILE.pattern} (match alone)`, (hostile.matchAloneMs * 1000).toFixed(0), '', '', '', '-', '-']);
  const regexWidths = regexHeader.map((h, i) => Math.max(h.length, ...regexRows.map((r) => r[i]?.length ?? 0)));
  log(regexHeader.map((h, i) => (i === 0 ? h.padEnd(regexWidths[i]!) : h.padStart(regexWidths[i]!))).join('  '));
  for (const r of regexRows) log(r.map((c, i) => (i === 0 ? c.padEnd(regexWidths[i]!) : c.padStart(regexWidths[i]!))).join('  '));
  report.write();
  if (rows.some((r) => !r[8]?.startsWith('0/'))) {
    log('FAIL: Thoth and Cedar disagree on some requests; the policies are not equivalent or an engine is wrong.');
    process.exitCode = 1;
  }
}

await main();
