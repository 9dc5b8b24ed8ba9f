/**
 * `pnpm gen:check`: fails when libs/contracts/src/gen is not exactly what `pnpm gen`
 * would write from proto/ (docs/architecture.md, "Conventions"), and when `buf lint` fails.
 *
 * Regenerates into a temporary directory with the same template and compares byte for
 * byte. `--root <dir>` checks another tree laid out like this repository (its tests).
 * Then the same for the Python SDK's code (libs/sdk-python/scripts/gen.py --check, grpcio-tools
 * in the venv that infra/local/python.sh makes).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const STALE_MESSAGE =
  'Generated protobuf code is stale: run `pnpm gen` and commit libs/contracts/src/gen';

interface Difference {
  path: string;
  kind: 'changed' | 'missing' | 'not generated';
}

// buf and protoc-gen-es always come from this repository's devDependencies.
function buf(root: string, args: string[]): void {
  const bin = join(REPO, 'node_modules', '.bin');
  execFileSync(join(bin, 'buf'), args, {
    cwd: root,
    env: { ...process.env, PATH: `${bin}${delimiter}${process.env['PATH'] ?? ''}` },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
}

/** The `out:` directories of a buf.gen.yaml, relative to the root buf runs in. */
function outDirs(template: string): string[] {
  const dirs = [...readFileSync(template, 'utf8').matchAll(/^\s*out:\s*['"]?([^'"\s#]+)/gm)].map((m) => m[1]!);
  if (dirs.length === 0) throw new Error(`${template}: no plugin "out:" found`);
  return dirs;
}

function files(dir: string): Map<string, Buffer> {
  const found = new Map<string, Buffer>();
  let entries: string[];
  try {
    entries = readdirSync(dir, { recursive: true, encoding: 'utf8' });
  } catch {
    return found; // a missing directory holds no files
  }
  for (const entry of entries) {
    const path = join(dir, entry);
    try {
      found.set(relative(dir, path), readFileSync(path));
    } catch {
      // a directory
    }
  }
  return found;
}

export function compare(expectedDir: string, actualDir: string): Difference[] {
  const expected = files(expectedDir);
  const actual = files(actualDir);
  const differences: Difference[] = [];
  for (const [path, bytes] of expected) {
    const present = actual.get(path);
    if (!present) differences.push({ path, kind: 'missing' });
    else if (!present.equals(bytes)) differences.push({ path, kind: 'changed' });
  }
  for (const path of actual.keys()) if (!expected.has(path)) differences.push({ path, kind: 'not generated' });
  return differences.sort((a, b) => a.path.localeCompare(b.path));
}

/** Lints and regenerates; returns the files that differ from what is committed. */
export function checkGenerated(root: string): Difference[] {
  const template = join('proto', 'buf.gen.yaml');
  try {
    buf(root, ['lint', 'proto']);
  } catch {
    throw new Error('buf lint proto failed (findings above)');
  }
  const scratch = mkdtempSync(join(tmpdir(), 'thoth-gen-check-'));
  try {
    buf(root, ['generate', 'proto', '--template', template, '--output', scratch]);
    return outDirs(join(root, template)).flatMap((out) =>
      compare(join(scratch, out), join(root, out)).map((d) => ({ ...d, path: join(out, d.path) })),
    );
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** The Python SDK's generated code against what grpcio-tools writes now (a tree without that SDK has none to check). */
export function checkPythonGenerated(root: string): boolean {
  if (!existsSync(join(root, 'libs', 'sdk-python', 'scripts', 'gen.py'))) return true;
  const python = execFileSync('bash', [join(root, 'infra', 'local', 'python.sh')], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim().split('\n').at(-1)!;
  try {
    execFileSync(python, [join(root, 'libs', 'sdk-python', 'scripts', 'gen.py'), '--check'], { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] });
    return true;
  } catch {
    return false;
  }
}

function main(): number {
  const { values } = parseArgs({ options: { root: { type: 'string', default: REPO } } });
  let differences: Difference[];
  try {
    differences = checkGenerated(resolve(values.root));
  } catch (error) {
    console.error(error instanceof Error ? error.message : String(error));
    return 1;
  }
  if (differences.length === 0) {
    console.log('Generated protobuf code is up to date.');
    return checkPythonGenerated(resolve(values.root)) ? 0 : 1;
  }
  for (const { path, kind } of differences) console.error(`  ${kind}: ${path}`);
  console.error(STALE_MESSAGE);
  return 1;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) process.exitCode = main();
