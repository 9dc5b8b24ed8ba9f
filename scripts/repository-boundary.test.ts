import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { findEscapes, formatEscapes, scanRepository } from './repository-boundary.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url)).replace(/\/$/, '');

// The escaping references below are assembled at run time, so that this file itself holds none.
const up = (n: number) => '../'.repeat(n);
const topLevel = (...parts: string[]) => ['', ...parts].join('/');
const HOME_VAR = '$' + 'HOME';
const TILDE = '~' + '/';

describe('the repository boundary', () => {
  it('no tracked code, test, script or configuration reads a path outside the repository', () => {
    const escapes = scanRepository(ROOT);
    expect(escapes, `references outside the repository:\n${formatEscapes(escapes)}`).toEqual([]);
  });

  it('reports a relative path that climbs above the root from its file’s folder', () => {
    // What libs/merkle's vectors test did before the vectors were copied in.
    const line = `const inclusion = import.meta.glob('${up(4)}shared/testdata/rfc6962/inclusion/**/*.json', { eager: true });`;
    const escapes = findEscapes(ROOT, 'libs/merkle/src/rfc6962-vectors.test.ts', `// vectors\n${line}\n`);
    expect(escapes).toEqual([
      expect.objectContaining({ line: 2, kind: 'relative', text: `${up(4)}shared/testdata/rfc6962/inclusion/`, why: expect.stringContaining('outside the repository') }),
    ]);
    expect(formatEscapes(escapes)).toMatch(/^libs\/merkle\/src\/rfc6962-vectors\.test\.ts:2: (\.\.\/){4}shared\/testdata/);
  });

  it('accepts relative paths that stay inside, however many folders they climb', () => {
    const inside = [
      ['libs/merkle/src/rfc6962-vectors.test.ts', `import.meta.glob('${up(1)}testdata/rfc6962/inclusion/**/*.json')`],
      ['libs/testing/src/services.ts', `new URL('${up(3)}infra/local/', import.meta.url)`],
      ['apps/control-plane/src/event-store/event-store.ts', `import type { DomainEvent } from '${up(1)}shared/domain/domain-event.js';`],
      ['.ci/run', 'cd "$(dirname "$0")/.."'],
      ['infra/local/lib.sh', 'THOTH_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)'],
      ['test/browser/page.test.ts', `const CHROMIUM = '/usr/bin/chromium'; const dir = mkdtempSync(join(tmpdir(), 'x-'));`],
    ] as const;
    for (const [file, text] of inside) expect(findEscapes(ROOT, file, text), file).toEqual([]);
  });

  it('reports absolute paths into other people’s folders and the home directory', () => {
    const shared = topLevel('work', 'shared', 'DESIGN.md');
    expect(findEscapes(ROOT, 'scripts/x.sh', `cat ${shared}\n`)).toEqual([expect.objectContaining({ kind: 'absolute', text: shared })]);
    expect(findEscapes(ROOT, 'apps/thoth/src/keys.ts', `const keys = '${HOME_VAR}/.thoth/keys';`)).toEqual([expect.objectContaining({ kind: 'home' })]);
    expect(findEscapes(ROOT, 'infra/local/x.sh', `cp ${TILDE}notes.txt .`)).toEqual([expect.objectContaining({ kind: 'home', text: TILDE })]);
    // The explicit exception: bootstrap.sh's download cache.
    expect(findEscapes(ROOT, 'infra/local/bootstrap.sh', `CACHE=${HOME_VAR}/.cache/thoth`)).toEqual([]);
  });

  it('fires on a tracked file of a repository holding an escaping reference', () => {
    const repo = mkdtempSync(join(tmpdir(), 'thoth-boundary-'));
    try {
      const write = (path: string, text: string) => {
        mkdirSync(dirname(join(repo, path)), { recursive: true });
        writeFileSync(join(repo, path), text);
      };
      write('libs/merkle/src/vectors.test.ts', `const v = import.meta.glob('${up(4)}shared/testdata/*.json');\n`);
      write('docs/notes.md', `See ${up(2)}elsewhere/README.md.\n`);
      write('untracked.ts', `const v = '${up(3)}x';\n`);
      execFileSync('git', ['init', '-q'], { cwd: repo });
      execFileSync('git', ['add', 'libs', 'docs'], { cwd: repo });
      expect(scanRepository(repo).map((e) => `${e.file}:${e.line}:${e.kind}`)).toEqual(['libs/merkle/src/vectors.test.ts:1:relative']);
    } finally {
      rmSync(repo, { recursive: true, force: true });
    }
  });
});
