import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const DEPCRUISE = join(ROOT, 'node_modules/.bin/depcruise');
const CONFIG = join(ROOT, '.dependency-cruiser.cjs');

/** A miniature Thoth tree: the rules run on it exactly as `pnpm lint` runs them on ours. */
function fixtureTree(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'thoth-deprules-'));
  const base: Record<string, string> = {
    'tsconfig.json': JSON.stringify({ compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', allowJs: true } }),
    'libs/db/package.json': JSON.stringify({ name: '@thoth/db', type: 'module', exports: { '.': './src/index.ts' } }),
    'libs/db/src/index.ts': 'export const db = 1;\n',
    'libs/policy/src/index.ts': 'export const decide = 1;\n',
    'apps/enforcer/src/main.ts': "import { decide } from '../../../libs/policy/src/index.js';\nexport const main = decide;\n",
    // Two contexts meeting at their index.ts; a test may reach into another context's internals.
    'apps/control-plane/src/modules/tenants/index.ts': "export { TenantsRepository } from './storage/tenants.repository.js';\n",
    'apps/control-plane/src/modules/tenants/storage/tenants.repository.ts': 'export class TenantsRepository {}\n',
    'apps/control-plane/src/modules/trial/index.ts': "export { TrialScheduler } from './scheduler/trial-scheduler.js';\n",
    'apps/control-plane/src/modules/trial/scheduler/trial-scheduler.ts':
      "import { TenantsRepository } from '../../tenants/index.js';\nexport class TrialScheduler {\n  constructor(readonly tenants: TenantsRepository) {}\n}\n",
    'apps/control-plane/src/modules/trial/scheduler/trial-scheduler.test.ts':
      "import { TenantsRepository } from '../../tenants/storage/tenants.repository.js';\nexport const x = TenantsRepository;\n",
    // A domain names another context's type: allowed, it loads nothing.
    'apps/control-plane/src/modules/trial/domain/trial.ts':
      "import type { TenantsRepository } from '../../tenants/index.js';\nexport type Tenants = TenantsRepository;\nexport const trial = 1;\n",
    'apps/control-plane/src/app.module.ts':
      "import { TenantsRepository } from './modules/tenants/index.js';\nimport { TrialScheduler } from './modules/trial/index.js';\nexport const app = [TenantsRepository, TrialScheduler];\n",
    'node_modules/@nestjs/common/package.json': JSON.stringify({ name: '@nestjs/common', main: 'index.js' }),
    'node_modules/@nestjs/common/index.js': 'exports.Injectable = 1;\n',
    'node_modules/pg/package.json': JSON.stringify({ name: 'pg', main: 'index.js' }),
    'node_modules/pg/index.js': 'exports.Pool = 1;\n',
  };
  for (const [path, content] of Object.entries({ ...base, ...files })) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), content);
  }
  mkdirSync(join(root, 'node_modules/@thoth'), { recursive: true });
  symlinkSync(join(root, 'libs/db'), join(root, 'node_modules/@thoth/db'));
  return root;
}

async function lint(root: string): Promise<{ ok: boolean; output: string }> {
  return promisify(execFile)(DEPCRUISE, ['apps', 'libs', '--config', CONFIG, '--output-type', 'err'], { cwd: root }).then(
    ({ stdout }) => ({ ok: true, output: stdout }),
    (error: { stdout?: string; stderr?: string }) => ({ ok: false, output: `${error.stdout ?? ''}${error.stderr ?? ''}` }),
  );
}

const trees: string[] = [];
afterEach(() => trees.splice(0).forEach((t) => rmSync(t, { recursive: true, force: true })));
const tree = (files: Record<string, string> = {}): string => {
  const root = fixtureTree(files);
  trees.push(root);
  return root;
};

describe('dependency rules (pnpm lint)', () => {
  it('pass on a tree that keeps them', async () => {
    const result = await lint(tree());
    expect(result.output).not.toMatch(/error/);
    expect(result.ok).toBe(true);
  });

  it.each([
    ['the enforcer imports libs/db', 'enforcer-never-touches-the-database', { 'apps/enforcer/src/store.ts': "import { db } from '@thoth/db';\nexport const x = db;\n" }],
    ['the enforcer imports the pg driver', 'enforcer-never-touches-the-database', { 'apps/enforcer/src/store.ts': "import pg from 'pg';\nexport const x = pg;\n" }],
    ['a domain module imports NestJS', 'domain-knows-no-framework', { 'apps/control-plane/src/modules/tenants/domain/tenant.ts': "import { Injectable } from '@nestjs/common';\nexport const x = Injectable;\n" }],
    ['a lib imports an app', 'libs-never-import-apps', { 'libs/db/src/leak.ts': "import { main } from '../../../apps/enforcer/src/main.js';\nexport const x = main;\n" }],
    ['the policy engine imports another lib of ours', 'pure-libs-stay-pure', { 'libs/policy/src/leak.ts': "import { db } from '../../db/src/index.js';\nexport const x = db;\n" }],
    ['the policy engine reads files', 'pure-libs-do-no-io', { 'libs/policy/src/io.ts': "import { readFileSync } from 'node:fs';\nexport const x = readFileSync;\n" }],
    ['one app imports another', 'apps-do-not-import-each-other', { 'apps/ledger/src/main.ts': "import { main } from '../../enforcer/src/main.js';\nexport const x = main;\n" }],
    [
      'the thoth command imports the ledger beyond its offline door',
      'the-cli-uses-the-ledgers-offline-door',
      {
        'apps/ledger/src/ledger.ts': 'export const startLedger = 1;\n',
        'apps/cli/src/leak.ts': "import { startLedger } from '../../ledger/src/ledger.js';\nexport const x = startLedger;\n",
      },
    ],
    [
      "a context imports another context's storage instead of its index.ts",
      'contexts-meet-at-their-index',
      { 'apps/control-plane/src/modules/trial/scheduler/leak.ts': "import { TenantsRepository } from '../../tenants/storage/tenants.repository.js';\nexport const x = TenantsRepository;\n" },
    ],
    [
      "the platform imports a context's internals instead of its index.ts",
      'the-rest-meets-contexts-at-their-index',
      { 'apps/control-plane/src/platform/leak.ts': "import { TenantsRepository } from '../modules/tenants/storage/tenants.repository.js';\nexport const x = TenantsRepository;\n" },
    ],
    [
      "a context's domain imports a value of another context (its index.ts, and so its Nest module, would load)",
      'domains-read-other-contexts-as-types',
      { 'apps/control-plane/src/modules/trial/domain/leak.ts': "import { TenantsRepository } from '../../tenants/index.js';\nexport const x = TenantsRepository;\n" },
    ],
  ])('fail when %s', async (_what, rule, files) => {
    const result = await lint(tree(files));
    expect(result.ok).toBe(false);
    expect(result.output).toContain(rule);
  });

  it('fail on a folder cycle that has no file-level cycle (two contexts importing each other through index.ts)', async () => {
    // tenants/queries → trial/index → trial/scheduler → tenants/index → tenants/storage: every file
    // imports forward, but the folders modules/tenants and modules/trial depend on each other.
    const result = await lint(tree({ 'apps/control-plane/src/modules/tenants/queries/trial-of.ts': "import { TrialScheduler } from '../../trial/index.js';\nexport const x = TrialScheduler;\n" }));
    expect(result.ok).toBe(false);
    expect(result.output).toContain('no-folder-cycles-in-the-control-plane');
    expect(result.output).toMatch(/modules\/tenants → \s*\S*modules\/trial/);
    expect(result.output).not.toContain('no-circular');
  });
});
