import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

// The dependency audit of the test command (docs/build.md, "Supply chain"): `pnpm audit --prod`
// against the registry's advisories; a known critical vulnerability in a production dependency
// fails the run. When the audit endpoint cannot be reached or refuses (some registries and proxies
// answer its POST with 405), that is said loudly and does not fail the run — its availability is
// not the code's — unless --strict (release builds): there, no audit means no release.
//   node scripts/supply-chain/audit.ts [--strict]
export type AuditOutcome =
  | { kind: 'clean'; vulnerabilities: Record<string, number> }
  | { kind: 'critical'; vulnerabilities: Record<string, number>; advisories: string[] }
  | { kind: 'unreachable'; reason: string }
  | { kind: 'failed'; reason: string };

const UNREACHABLE = /ERR_PNPM_AUDIT_BAD_RESPONSE|ERR_PNPM_AUDIT_ENDPOINT_NOT_EXISTS|ECONNREFUSED|ECONNRESET|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|ERR_PNPM_META_FETCH_FAIL/;

/** What `pnpm audit --prod --json` said (its stdout, stderr and exit code). */
export function judgeAudit(stdout: string, stderr: string, status: number | null): AuditOutcome {
  let report: { error?: { code?: string; message?: string }; metadata?: { vulnerabilities?: Record<string, number> }; advisories?: Record<string, { module_name: string; severity: string; title: string; url: string }> } | undefined;
  try {
    report = JSON.parse(stdout) as typeof report;
  } catch {
    report = undefined;
  }
  const vulnerabilities = report?.metadata?.vulnerabilities;
  if (vulnerabilities) {
    const advisories = Object.values(report?.advisories ?? {})
      .filter((a) => a.severity === 'critical')
      .map((a) => `${a.module_name}: ${a.title} (${a.url})`);
    return (vulnerabilities['critical'] ?? 0) > 0 ? { kind: 'critical', vulnerabilities, advisories } : { kind: 'clean', vulnerabilities };
  }
  const said = `${report?.error?.code ?? ''} ${report?.error?.message ?? ''} ${stderr}`.trim();
  if (UNREACHABLE.test(said)) return { kind: 'unreachable', reason: said };
  return { kind: 'failed', reason: said || `pnpm audit exited ${status} without a report` };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const strict = process.argv.includes('--strict');
  const root = fileURLToPath(new URL('../..', import.meta.url));
  const run = spawnSync('pnpm', ['audit', '--prod', '--json'], { cwd: root, encoding: 'utf8', maxBuffer: 64 << 20 });
  const outcome = judgeAudit(run.stdout, run.stderr, run.status);
  switch (outcome.kind) {
    case 'clean':
      process.stdout.write(`audit: no known critical vulnerability in production dependencies (${JSON.stringify(outcome.vulnerabilities)})\n`);
      break;
    case 'critical':
      process.stderr.write(`audit: known CRITICAL vulnerabilities in production dependencies:\n${outcome.advisories.map((a) => `  ${a}`).join('\n')}\n`);
      process.exit(1);
      break;
    case 'unreachable': {
      const banner = '!'.repeat(100);
      process.stderr.write(`${banner}\naudit: NOT RUN — the registry's audit endpoint did not answer: ${outcome.reason}\naudit: no dependency was checked for known vulnerabilities.${strict ? '' : ' (Not failing: --strict makes this fail.)'}\n${banner}\n`);
      if (strict) process.exit(1);
      break;
    }
    case 'failed':
      process.stderr.write(`audit: pnpm audit failed: ${outcome.reason}\n`);
      process.exit(1);
  }
}
