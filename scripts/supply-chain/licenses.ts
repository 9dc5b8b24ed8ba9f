import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

// The licenses of every production dependency (`pnpm licenses list --prod --json`), written to
// dist/licenses.json, and refused when one is outside the allow-list (docs/build.md, "Supply chain"):
// permissive licenses, and MPL-2.0 (file-level copyleft: the files stay under it, our code does
// not). Strong copyleft and source-available licenses (GPL, LGPL, AGPL, SSPL, BUSL, …) and a
// package that declares none are refused; an exception is a decision, made here with its reason.
//   node scripts/supply-chain/licenses.ts
export const ALLOWED = new Set(['0BSD', 'Apache-2.0', 'BlueOak-1.0.0', 'BSD-2-Clause', 'BSD-3-Clause', 'CC0-1.0', 'ISC', 'MIT', 'MPL-2.0', 'Python-2.0', 'Unlicense']);

/**
 * Whether an SPDX expression is allowed: `A OR B` when either is, `A AND B` when both are
 * (parentheses group; `WITH` exceptions are judged by their license alone).
 */
export function licenseAllowed(expression: string): boolean {
  const tokens = expression.match(/\(|\)|[^\s()]+/g) ?? [];
  let position = 0;
  const any = (): boolean => {
    let ok = all();
    while (tokens[position] === 'OR') {
      position += 1;
      ok = all() || ok;
    }
    return ok;
  };
  const all = (): boolean => {
    let ok = one();
    while (tokens[position] === 'AND') {
      position += 1;
      ok = one() && ok;
    }
    return ok;
  };
  const one = (): boolean => {
    const token = tokens[position++];
    if (token === '(') {
      const ok = any();
      if (tokens[position++] !== ')') return false;
      return ok;
    }
    if (tokens[position] === 'WITH') position += 2;
    return token !== undefined && ALLOWED.has(token);
  };
  const ok = any();
  return ok && position === tokens.length;
}

interface Listed {
  name: string;
  versions: string[];
  license: string;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const root = fileURLToPath(new URL('../..', import.meta.url));
  const byLicense = JSON.parse(execFileSync('pnpm', ['licenses', 'list', '--prod', '--json'], { cwd: root, encoding: 'utf8', maxBuffer: 64 << 20 })) as Record<string, Listed[]>;
  const packages = Object.entries(byLicense)
    .flatMap(([license, listed]) => listed.map((p) => ({ name: p.name, versions: p.versions, license })))
    .sort((a, b) => a.name.localeCompare(b.name));
  mkdirSync(`${root}/dist`, { recursive: true });
  writeFileSync(`${root}/dist/licenses.json`, `${JSON.stringify(packages, null, 2)}\n`);
  const refused = packages.filter((p) => !licenseAllowed(p.license));
  const counts = Object.entries(byLicense).map(([license, listed]) => `${license} ${listed.length}`).join(', ');
  if (refused.length > 0) {
    process.stderr.write(`licenses: refused (not in the allow-list of scripts/supply-chain/licenses.ts):\n${refused.map((p) => `  ${p.name}@${p.versions.join(',')}: ${p.license}`).join('\n')}\n`);
    process.exit(1);
  }
  process.stdout.write(`licenses: ${packages.length} production dependencies, all allowed (${counts}); dist/licenses.json\n`);
}
