import { build } from 'esbuild';
import { chmod } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

// One bundle, dist/thoth.js, runnable with plain node: the workspace's libraries are TypeScript
// sources that node will not load from node_modules, so they are bundled, and so is every
// npm dependency, which leaves nothing to resolve at run time but PGlite (it loads its WASM
// beside its own module; `thoth audit` reaches it only for a pglite: URL), the package's one
// dependency; the others are devDependencies, needed to build only. esbuild rather than tsc: tsc
// would emit a tree of files that still imports the workspace's .ts sources.
const root = fileURLToPath(new URL('..', import.meta.url));

await build({
  absWorkingDir: root,
  entryPoints: ['src/main.ts'],
  outfile: 'dist/thoth.js',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node24',
  external: ['@electric-sql/pglite', 'pg-native'],
  // The CommonJS dependencies bundled into an ES module still call require() for node's builtins.
  banner: { js: "#!/usr/bin/env node\nimport { createRequire as __thothRequire } from 'node:module';\nconst require = __thothRequire(import.meta.url);" },
  sourcemap: 'linked',
  logLevel: 'warning',
});
// Executable, so that a link to it on PATH is the `thoth` command (npm does the same for `bin`).
await chmod(new URL('../dist/thoth.js', import.meta.url), 0o755);
