import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The built binary, as a user runs it (apps/cli/test/build-cli.global-setup.ts builds it once per run). */
export const THOTH_BIN = fileURLToPath(new URL('../../dist/thoth.js', import.meta.url));
export const ROOT = fileURLToPath(new URL('../../../..', import.meta.url));

export interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `thoth args…` with plain node and waits for it to exit; `env`, when given, is all the environment it gets. */
export function thoth(args: readonly string[], options: { env?: NodeJS.ProcessEnv; input?: string; cwd?: string } = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = execFile(process.execPath, [THOTH_BIN, ...args], { cwd: options.cwd ?? ROOT, ...(options.env ? { env: options.env } : {}) }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : undefined;
      if (code === undefined) reject(error!);
      else resolve({ code, stdout, stderr });
    });
    child.stdin!.end(options.input ?? '');
  });
}

/** Starts `thoth args…` and leaves it running (`decisions tail`). */
export function startThoth(args: readonly string[], env: NodeJS.ProcessEnv): ChildProcess {
  return spawn(process.execPath, [THOTH_BIN, ...args], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
}
