import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundledComponents, cyclonedx, type SbomComponent } from '../../../infra/image/sbom.ts';

// The published @thoth/sdk (docs/build.md, "The SDK package"): dist/ holds JavaScript for node and
// its declarations, which publishConfig's `exports` name when packed, while the workspace keeps
// resolving src/*.ts. The workspace libraries it uses (@thoth/backoff, /contracts, /grpc) are
// private TypeScript sources: they are bundled into dist, so one package is installed and nothing
// of ours but the SDK's own API is promised; its npm dependencies and the adapters' frameworks stay
// imports, resolved in the agent's project. Shared code is split into chunks, so every entry
// point sees the same classes (a ThothDeniedError from /mcp is the root's).
const PACKAGE = fileURLToPath(new URL('..', import.meta.url));
const ROOT = join(PACKAGE, '../..');
const DIST = join(PACKAGE, 'dist');
const TYPES = join(DIST, 'types');
const BUNDLED = ['backoff', 'contracts', 'grpc'];

interface Manifest {
  name: string;
  version: string;
  description: string;
  dependencies: Record<string, string>;
  peerDependencies: Record<string, string>;
  publishConfig: { exports: Record<string, { import: string; types: string }> };
}
const manifest = JSON.parse(readFileSync(join(PACKAGE, 'package.json'), 'utf8')) as Manifest;
const external = [...Object.keys(manifest.dependencies), ...Object.keys(manifest.peerDependencies)].flatMap((name) => [name, `${name}/*`]);

rmSync(DIST, { recursive: true, force: true });
const result = await build({
  absWorkingDir: ROOT,
  entryPoints: Object.keys(manifest.publishConfig.exports).map((subpath) => (subpath === '.' ? 'libs/sdk/src/index.ts' : `libs/sdk/src/${subpath.slice(2)}/index.ts`)),
  outdir: DIST,
  outbase: 'libs/sdk/src',
  bundle: true,
  splitting: true,
  chunkNames: 'chunks/[name]-[hash]',
  platform: 'node',
  format: 'esm',
  target: 'node24',
  external,
  sourcemap: 'linked',
  metafile: true,
  logLevel: 'warning',
});

// Declarations: tsc over the SDK and the libraries it bundles, then their bare specifiers made relative.
execFileSync(process.execPath, [createRequire(import.meta.url).resolve('typescript/bin/tsc'), '-p', join(PACKAGE, 'tsconfig.build.json')], { stdio: 'inherit' });
for (const file of readdirSync(TYPES, { recursive: true }).map((f) => join(TYPES, String(f))).filter((f) => f.endsWith('.d.ts'))) {
  let text = readFileSync(file, 'utf8');
  for (const lib of BUNDLED) {
    const target = relative(dirname(file), join(TYPES, lib, 'src', 'index.js'));
    text = text.replaceAll(`'@thoth/${lib}'`, `'${target.startsWith('.') ? target : `./${target}`}'`);
  }
  if (text.includes("'@thoth/")) throw new Error(`${relative(PACKAGE, file)} still imports a workspace library: add it to BUNDLED in scripts/build.ts`);
  writeFileSync(file, text);
}

// Its SBOM: what was bundled, and the dependencies an install adds, at the versions tested here.
const installed: SbomComponent[] = Object.keys(manifest.dependencies).map((name) => {
  const dependency = JSON.parse(readFileSync(join(PACKAGE, 'node_modules', name, 'package.json'), 'utf8')) as { version: string; license?: string };
  return { name, version: dependency.version, license: dependency.license, origin: 'npm' };
});
writeFileSync(join(DIST, 'sbom.cdx.json'), cyclonedx(manifest, [...bundledComponents(ROOT, result.metafile), ...installed]));
