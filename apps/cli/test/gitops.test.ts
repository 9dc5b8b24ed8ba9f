import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ROOT, THOTH_BIN } from './support/thoth.js';

// The GitOps example (examples/gitops): its workflow's check job, step by step as CI runs it
// (bash, `thoth` on PATH), passes on the example and fails on a policy change its tests catch.
const EXAMPLE = join(ROOT, 'examples/gitops');
const bin = mkdtempSync(join(tmpdir(), 'thoth-gitops-bin-'));
symlinkSync(THOTH_BIN, join(bin, 'thoth'));
symlinkSync(process.execPath, join(bin, 'node'));
const work: string[] = [];
afterAll(() => [bin, ...work].forEach((d) => rmSync(d, { recursive: true, force: true })));

interface Workflow {
  env: Record<string, string>;
  jobs: Record<string, { steps: Array<{ name?: string; run?: string; if?: string }> }>;
}

/** The check job's commands that run on every change (not the pull request's diff, which needs an API). */
function checkSteps(): Array<{ name: string; run: string }> {
  const workflow = parse(readFileSync(join(EXAMPLE, '.github/workflows/policies.yml'), 'utf8')) as Workflow;
  return workflow.jobs['check']!.steps.filter((s) => s.run !== undefined && s.if === undefined).map((s) => ({ name: s.name ?? s.run!, run: s.run! }));
}

function step(run: string, cwd: string): Promise<{ code: number; stdout: string }> {
  return new Promise((resolve) =>
    execFile('/bin/bash', ['-e', '-c', run], { cwd, env: { PATH: `${bin}:/usr/bin:/bin` } }, (error, stdout) => resolve({ code: error ? Number(error.code) : 0, stdout })),
  );
}

describe('examples/gitops', () => {
  it("passes its workflow's validate and test steps, and fails the test step when the policy breaks a test", async () => {
    const steps = checkSteps();
    expect(steps.map((s) => s.name)).toEqual(['validate', 'test']);
    for (const s of steps) expect(await step(s.run, EXAMPLE), s.name).toMatchObject({ code: 0 });

    const copy = mkdtempSync(join(tmpdir(), 'thoth-gitops-'));
    work.push(copy);
    cpSync(join(EXAMPLE, 'policies'), join(copy, 'policies'), { recursive: true });
    const policy = join(copy, 'policies/support-desk.policy.yaml');
    writeFileSync(policy, readFileSync(policy, 'utf8').replace('args.amount > 200', 'args.amount > 1000'));
    const [validate, test] = steps;
    expect((await step(validate!.run, copy)).code).toBe(0);
    const failed = await step(test!.run, copy);
    expect(failed.code).toBe(1);
    expect(failed.stdout).toContain('  ✗ a refund of 500 needs a human\n');
  });
});
