import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, extname, isAbsolute, join, relative, resolve, sep } from 'node:path';

/**
 * Nothing in the repository reads a path outside it: a fresh clone, with nothing beside it,
 * must build, start and pass its tests. This finds the references in tracked code, tests,
 * scripts and configuration that would reach outside:
 *
 * - a relative path that, resolved from the file's own folder, lands above the repository
 *   root (test data in a folder beside the clone, one parent step too many);
 * - an absolute path into the top-level folders where other checkouts and people's files
 *   live (work, root, home, Users);
 * - the user's home directory (a tilde path, the HOME variable, Node's homedir).
 *
 * The patterns below are written so that this file does not match itself. System paths
 * (Debian's chromium and PostgreSQL binaries, the temporary directory, procfs) are the
 * machine's tools, not repository content, and are not reported. The few legitimate uses of
 * the home directory are listed in ALLOWED, each with its reason.
 */

export type EscapeKind = 'relative' | 'absolute' | 'home';

export interface Escape {
  file: string;
  line: number;
  kind: EscapeKind;
  text: string;
  why: string;
}

export interface Allowance {
  file: string;
  kind: EscapeKind;
  reason: string;
}

/** The exceptions, each with its reason; everything else found fails the test. */
export const ALLOWED: readonly Allowance[] = [
  {
    file: 'infra/local/bootstrap.sh',
    kind: 'home',
    reason: 'the per-user download cache (.cache/thoth in the home directory: Node.js and pnpm from the npm registry); a cache of downloads, never repository content, and THOTH_CACHE_DIR moves it',
  },
  {
    file: 'infra/local/python.sh',
    kind: 'home',
    reason: 'the same download cache, for uv from PyPI (the Python SDK virtual environment stays in libs/sdk-python/.venv)',
  },
  {
    file: 'infra/local/lib.sh',
    kind: 'home',
    reason: 'the same download cache, for the Kafka jars Maven fetches',
  },
  {
    file: 'infra/local/k8s-tools.sh',
    kind: 'home',
    reason: 'the same download cache, for helm, kubeconform and the Kubernetes schemas built from the Go module proxy (and Go itself where the machine has none recent enough)',
  },
  {
    file: 'infra/local/promlint.sh',
    kind: 'home',
    reason: 'the same download cache, for promlint built from the Go module proxy (its modules too)',
  },
  {
    file: 'infra/local/kafka.sh',
    kind: 'home',
    reason: 'a comment naming the cache default, not a read',
  },
  {
    file: 'apps/cli/src/config/environment.ts',
    kind: 'home',
    reason: "the `thoth` command's profiles (.config/thoth/profiles.json in the user's home, as the clouds' CLIs keep theirs); a user's file, never repository content; THOTH_CONFIG_DIR moves it and the tests set it",
  },
  {
    file: 'scripts/dependency-rules.test.ts',
    kind: 'relative',
    reason: 'import lines of fixture files written into a temporary tree, relative to those files, not to this one',
  },
  {
    file: 'test/e2e/demo-production.test.ts',
    kind: 'home',
    reason: 'passes HOME through to the `pnpm demo` child (pnpm needs it for its store); reads nothing there',
  },
];

/** Files whose content is code, tests, scripts or configuration (documentation and data are not scanned). */
export function isScanned(path: string): boolean {
  if (path === 'pnpm-lock.yaml' || path.startsWith('libs/contracts/src/gen/')) return false;
  if (path.includes('/testdata/')) return false;
  if (path === '.ci/run') return true;
  return ['.ts', '.tsx', '.js', '.cjs', '.mjs', '.sh', '.json', '.yaml', '.yml', '.toml', '.xml', '.sql', '.proto', '.npmrc'].includes(
    extname(path) || path.slice(path.lastIndexOf('/') + 1),
  );
}

// A relative path starts after a quote, space, bracket, `=` or `:` — not inside a longer path
// (`$(dirname "$0")/..`), an identifier, a regex escape or a glob.
const RELATIVE = /(?<![\w.\\/$@}\])*-])\.{1,2}\/[^\s'"`),;\]}>*?]*/g;
const ABSOLUTE = /(?<![\w.$-])\/(?:work|root|home|Users)\/[^\s'"`),;\]}>]*/g;
const HOME = /(?<![\w/~])~\/|\$\{?HOME\b|homedir\(\)|env\.HOME\b|env\[['"]HOME['"]\]/g;

/** The references in one file's text that reach outside `root` (an absolute path); `file` is relative to it. */
export function findEscapes(root: string, file: string, text: string): Escape[] {
  const found: Escape[] = [];
  const folder = dirname(join(root, file));
  text.split('\n').forEach((content, index) => {
    const line = index + 1;
    const report = (kind: EscapeKind, match: string, why: string) => {
      if (ALLOWED.some((a) => a.file === file && a.kind === kind)) return;
      found.push({ file, line, kind, text: match, why });
    };
    for (const [match] of content.matchAll(RELATIVE)) {
      const target = resolve(folder, match);
      if (outside(root, target)) report('relative', match, `resolves to ${target}, outside the repository`);
    }
    for (const [match] of content.matchAll(ABSOLUTE)) report('absolute', match, 'an absolute path outside the repository');
    for (const [match] of content.matchAll(HOME)) report('home', match, "the user's home directory");
  });
  return found;
}

function outside(root: string, target: string): boolean {
  const path = relative(root, target);
  return path === '..' || path.startsWith(`..${sep}`) || isAbsolute(path);
}

/** Every escape in the repository's tracked files. */
export function scanRepository(root: string): Escape[] {
  const files = execFileSync('git', ['ls-files', '-z'], { cwd: root, encoding: 'utf8', maxBuffer: 64 << 20 })
    .split('\0')
    .filter((f) => f && isScanned(f));
  return files.flatMap((file) => findEscapes(root, file, readFileSync(join(root, file), 'utf8')));
}

export const formatEscapes = (escapes: Escape[]): string =>
  escapes.map((e) => `${e.file}:${e.line}: ${e.text} — ${e.why}`).join('\n');
