import { build, type Metafile, type Plugin } from 'esbuild';
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundledComponents, cyclonedx, thirdPartyNotices } from './sbom.ts';

// One deployable directory per service (docs/build.md): the service's main bundled by esbuild into
// main.js with every npm dependency and the workspace's TypeScript libraries, so the directory runs
// with plain `node main.js`: no tsx, no node_modules, no dev dependencies. esbuild is what tsx runs
// the sources through already (no decorator metadata is relied upon: every Nest constructor
// parameter carries @Inject), so the bundle behaves as the tests' processes do. Beside it: the
// files the service reads at run time, healthcheck.js (the image's HEALTHCHECK), sbom.cdx.json (the
// CycloneDX SBOM of exactly what was bundled, sbom.ts; `pnpm sbom` collects it) and
// THIRD-PARTY-NOTICES.txt (the bundled packages' license texts).
//   node infra/image/build.ts <control-plane|enforcer|ledger> <outdir>
const ROOT = fileURLToPath(new URL('../..', import.meta.url));

interface Service {
  /** Output name (without .js) → entry point, relative to the repository. */
  entries: Record<string, string>;
  /** Repository paths copied into the output, by their name there. */
  files: Record<string, string>;
}

const SERVICES: Record<string, Service> = {
  'control-plane': {
    entries: { main: 'apps/control-plane/src/main.ts', migrate: 'apps/control-plane/src/migrate.ts', 'rebuild-projections': 'apps/control-plane/src/rebuild-projections.ts' },
    files: { migrations: 'libs/db/migrations' },
  },
  enforcer: { entries: { main: 'apps/enforcer/src/main.ts' }, files: {} },
  ledger: { entries: { main: 'apps/ledger/src/main.ts' }, files: {} },
};

// Loaded by Nest and pg only when present (`loadPackage`, optional requires): the services use
// none of them, so they stay unresolved imports that are never reached.
const OPTIONAL = [
  '@nestjs/microservices',
  '@nestjs/microservices/*',
  '@nestjs/websockets',
  '@nestjs/websockets/*',
  '@nestjs/platform-express',
  '@fastify/multipart',
  '@fastify/static',
  '@fastify/view',
  'class-transformer',
  'class-transformer/*',
  'class-validator',
  'pg-native',
];

/**
 * libs/db finds its migrations at `../migrations` from its module; in the bundle they sit beside
 * main.js. The one rewrite of a source: the build fails if the line it expects is gone.
 */
const migrationsBesideBundle: Plugin = {
  name: 'thoth-migrations-folder',
  setup(builder) {
    builder.onLoad({ filter: /libs[\\/]db[\\/]src[\\/]migrate\.ts$/ }, (args) => {
      const source = readFileSync(args.path, 'utf8');
      const expected = "new URL('../migrations', import.meta.url)";
      if (!source.includes(expected)) throw new Error(`${args.path} no longer says ${expected}: update infra/image/build.ts`);
      return { contents: source.replace(expected, "new URL('./migrations', import.meta.url)"), loader: 'ts' };
    });
  },
};

export async function buildService(name: string, outdir: string): Promise<Metafile> {
  const service = SERVICES[name];
  if (!service) throw new Error(`unknown service ${JSON.stringify(name)}: one of ${Object.keys(SERVICES).join(', ')}`);
  const out = resolve(outdir);
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  const result = await build({
    absWorkingDir: ROOT,
    entryPoints: Object.entries(service.entries).map(([out, entry]) => ({ in: entry, out })),
    outdir: out,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node24',
    external: OPTIONAL,
    // The CommonJS dependencies bundled into an ES module still call require() for node's builtins.
    banner: { js: "import { createRequire as __thothRequire } from 'node:module';\nconst require = __thothRequire(import.meta.url);" },
    plugins: [migrationsBesideBundle],
    // Class names survive (Nest's tokens and error names in logs are read by people).
    keepNames: true,
    legalComments: 'linked',
    sourcemap: 'linked',
    sourcesContent: false,
    metafile: true,
    logLevel: 'warning',
  });
  // The image's HEALTHCHECK: a few lines of its own, with the service named.
  await build({
    absWorkingDir: ROOT,
    entryPoints: ['infra/image/healthcheck.ts'],
    outfile: resolve(out, 'healthcheck.js'),
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node24',
    define: { THOTH_SERVICE: JSON.stringify(name) },
    logLevel: 'warning',
  });
  for (const [to, from] of Object.entries(service.files)) cpSync(resolve(ROOT, from), resolve(out, to), { recursive: true });
  // ES modules, and nothing to install: the package.json only says so.
  writeFileSync(resolve(out, 'package.json'), `${JSON.stringify({ name: `thoth-${name}`, private: true, type: 'module', main: 'main.js' }, null, 2)}\n`);
  const version = (JSON.parse(readFileSync(resolve(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
  const components = bundledComponents(ROOT, result.metafile);
  writeFileSync(resolve(out, 'sbom.cdx.json'), cyclonedx({ name: `thoth-${name}`, version, description: `the ${name} image's /app` }, components));
  writeFileSync(resolve(out, 'THIRD-PARTY-NOTICES.txt'), thirdPartyNotices(ROOT, components));
  return result.metafile;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [name, outdir] = process.argv.slice(2);
  if (!name || !outdir) {
    process.stderr.write('usage: node infra/image/build.ts <control-plane|enforcer|ledger> <outdir>\n');
    process.exit(2);
  }
  await buildService(name, outdir);
}
