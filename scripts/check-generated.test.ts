import { spawnSync, execFileSync } from 'node:child_process';
import { appendFileSync, cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { STALE_MESSAGE } from './check-generated.js';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const BIN = join(REPO, 'node_modules', '.bin');
const GEN = join('libs', 'contracts', 'src', 'gen');

/** Runs `pnpm gen:check` as CI does, against a copy of the repository's protos. */
function check(root: string): { status: number | null; output: string } {
  const run = spawnSync(join(BIN, 'tsx'), [join(REPO, 'scripts', 'check-generated.ts'), '--root', root], {
    encoding: 'utf8',
  });
  return { status: run.status, output: run.stdout + run.stderr };
}

let root: string;

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'thoth-gen-check-test-'));
  cpSync(join(REPO, 'proto'), join(root, 'proto'), { recursive: true });
  // `pnpm gen` in the copy: a fresh, committed-looking gen directory.
  execFileSync(join(BIN, 'buf'), ['generate', 'proto', '--template', join('proto', 'buf.gen.yaml')], {
    cwd: root,
    env: { ...process.env, PATH: `${BIN}${delimiter}${process.env['PATH'] ?? ''}` },
  });
});

afterEach(() => rmSync(root, { recursive: true, force: true }));

describe('pnpm gen:check', () => {
  it('passes when the generated code matches the protos', () => {
    const { status, output } = check(root);
    expect(output).not.toContain(STALE_MESSAGE);
    expect(status).toBe(0);
  });

  it('fails, naming the file, when a proto gained a field that was not generated', () => {
    const proto = join(root, 'proto', 'thoth', 'testing', 'v1', 'echo.proto');
    const source = readFileSync(proto, 'utf8');
    const edited = source.replace('bytes payload = 3;', 'bytes payload = 3;\n  string added = 4;');
    expect(edited).not.toBe(source);
    writeFileSync(proto, edited);

    const { status, output } = check(root);
    expect(status).toBe(1);
    expect(output).toContain(STALE_MESSAGE);
    expect(output).toContain(`changed: ${join(GEN, 'thoth', 'testing', 'v1', 'echo_pb.ts')}`);
  });

  it('fails when a generated file was edited by hand, or no proto generates it', () => {
    appendFileSync(join(root, GEN, 'thoth', 'decision', 'v1', 'decision_pb.ts'), '\n// edited\n');
    writeFileSync(join(root, GEN, 'leftover_pb.ts'), 'export {};\n');

    const { status, output } = check(root);
    expect(status).toBe(1);
    expect(output).toContain(`changed: ${join(GEN, 'thoth', 'decision', 'v1', 'decision_pb.ts')}`);
    expect(output).toContain(`not generated: ${join(GEN, 'leftover_pb.ts')}`);
    expect(output).toContain(STALE_MESSAGE);
  });

  it('fails when buf lint does', () => {
    appendFileSync(join(root, 'proto', 'thoth', 'testing', 'v1', 'echo.proto'), '\nmessage lower_case {}\n');
    const { status, output } = check(root);
    expect(status).toBe(1);
    expect(output).toContain('Message name "lower_case" should be PascalCase');
    expect(output).toContain('buf lint proto failed');
  });
});
