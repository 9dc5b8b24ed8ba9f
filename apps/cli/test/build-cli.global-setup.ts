import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

// The tests run the built `thoth` as a user would, so a run builds it first, once (esbuild: about a second).
export default function setup(): void {
  execFileSync(process.execPath, [fileURLToPath(new URL('../scripts/build.ts', import.meta.url))], { stdio: 'inherit' });
}
