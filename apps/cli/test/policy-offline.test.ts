import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { thoth } from './support/thoth.js';

// Issue 22, acceptance 1 and 2, offline: the built `thoth` validates, tests and diffs policies with
// the enforcers' engine, passing and failing on purpose-made files (test/fixtures) with the
// documented exit codes (docs/cli.md, "Exit codes") and output.
const FIXTURES = 'apps/cli/test/fixtures';
const EXAMPLE = 'libs/policy/examples/crm-guardrails.policy.yaml';

describe('thoth policy validate', () => {
  it('passes a valid policy and fails an invalid one with file:line:column code message', async () => {
    const ok = await thoth(['policy', 'validate', EXAMPLE]);
    expect([ok.code, ok.stdout]).toEqual([0, `${EXAMPLE}: ok (crm-guardrails 2025-07-14.1)\n`]);

    const bad = await thoth(['policy', 'validate', EXAMPLE, `${FIXTURES}/broken.policy.yaml`]);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toContain(`${FIXTURES}/broken.policy.yaml:12:28 cel.syntax `);

    const json = await thoth(['--output', 'json', 'policy', 'validate', `${FIXTURES}/broken.policy.yaml`]);
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout)).toMatchObject({ valid: false, files: [{ valid: false, errors: [{ code: 'cel.syntax', line: 12, column: 28, path: '/rules/0/when' }] }] });

    const missing = await thoth(['policy', 'validate', `${FIXTURES}/nowhere.yaml`]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toBe(`thoth: cannot read ${FIXTURES}/nowhere.yaml: ENOENT (file.unreadable)\n`);
  });
});

describe('thoth policy test', () => {
  it("passes every example policy's tests (libs/policy/examples)", async () => {
    const run = await thoth(['policy', 'test', 'libs/policy/examples']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/\n\d+ passed, 0 failed\n$/);
    expect(run.stdout).toContain('libs/policy/examples/crm-guardrails.test.yaml\n');
  });

  it('fails a wrong expectation with a diff of expected and actual, and the matched reasons', async () => {
    const run = await thoth(['policy', 'test', `${FIXTURES}/failing.test.yaml`]);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('  ✓ dropping a table is denied\n');
    expect(run.stdout).toContain(
      [
        '  ✗ truncating is allowed',
        '      - expected',
        '      + actual',
        '      - effect: allow',
        '      + effect: deny',
        '        rules:',
        '      -   - default',
        '      +   - crm-no-drop-tables',
        '      matched crm-no-drop-tables: No agent drops or truncates CRM tables.',
      ].join('\n'),
    );
    expect(run.stdout).toMatch(/1 passed, 1 failed\n$/);

    const json = JSON.parse((await thoth(['-o', 'json', 'policy', 'test', `${FIXTURES}/failing.test.yaml`])).stdout);
    expect(json).toMatchObject({ passed: 1, failed: 1 });
    expect(json.files[0].cases[1]).toMatchObject({ passed: false, expected: { effect: 'allow' }, actual: { effect: 'deny', rules: ['crm-no-drop-tables'] } });
  });

  it('refuses a malformed test file with the line and column of the fault (exit 2)', async () => {
    const run = await thoth(['policy', 'test', `${FIXTURES}/malformed.test.yaml`]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(new RegExp(`^thoth: ${FIXTURES}/malformed\\.test\\.yaml:7:14 /tests/0/expects: .*\\(test_file\\.invalid\\)\\n$`));
  });
});

describe('thoth policy diff', () => {
  it('names the elements added, removed and changed, with a unified diff; exit 1 when they differ, 0 when not', async () => {
    const run = await thoth(['policy', 'diff', `${FIXTURES}/changed.policy.yaml`, EXAMPLE]);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/^\+ rule crm-no-exports\n- rule crm-prod-updates-cite-ticket\n- limit crm-delete-blast-radius\n- freeze q3-code-freeze\n- sequence crm-fabrication\n~ rule crm-no-drop-tables\n/);
    expect(run.stdout).toContain(`--- ${EXAMPLE}\n+++ ${FIXTURES}/changed.policy.yaml\n`);
    expect(run.stdout).toContain('+      tools: ["crm.drop_table", "crm.truncate_*", "crm.alter_table"]\n');

    const same = await thoth(['-o', 'json', 'policy', 'diff', EXAMPLE, EXAMPLE]);
    expect([same.code, JSON.parse(same.stdout)]).toEqual([0, { same: true, added: [], removed: [], changed: [], patch: '' }]);
  });
});

describe('the command line itself', () => {
  it('exits 2 on a usage error, 0 on --help', async () => {
    const unknown = await thoth(['policy', 'validate', '--frobnicate', EXAMPLE]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("error: unknown option '--frobnicate'");
    expect((await thoth(['policy', '--help'])).code).toBe(0);
  });

  it('prints bash and zsh completion that completes commands from the command tree', async () => {
    const bash = (await thoth(['completion', 'bash'])).stdout;
    const complete = (words: string) =>
      execFileSync('bash', ['-c', `${bash}\nCOMP_WORDS=(${words}); COMP_CWORD=$((\${#COMP_WORDS[@]} - 1)); _thoth; echo "\${COMPREPLY[*]}"`], { encoding: 'utf8' }).trim();
    expect(complete('thoth pol')).toBe('policy');
    expect(complete('thoth policy te')).toBe('test');
    expect(complete('thoth -o json agents su')).toBe('suspend');
    const zsh = (await thoth(['completion', 'zsh'])).stdout;
    expect(zsh).toMatch(/^#compdef thoth\n/);
    expect(zsh).toContain('complete -F _thoth thoth');
  });
});
