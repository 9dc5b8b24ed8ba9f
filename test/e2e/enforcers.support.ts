import { spawn, type ChildProcess } from 'node:child_process';
import { getCACertificates, setDefaultCACertificates } from 'node:tls';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { TestTls } from '../../libs/testing/src/tls.js';
import { waitFor } from '../integration/enforcers/harness.js';

// Shared by the enforcer e2e tests: processes started under tsx, and REST calls.
export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** A child process whose pino JSON lines on stdout can be awaited. */
export class Proc {
  readonly lines: Array<Record<string, unknown>> = [];
  readonly raw: string[] = [];
  readonly exited: Promise<number | null>;
  readonly #waiters = new Set<() => void>();

  constructor(
    readonly name: string,
    readonly child: ChildProcess,
  ) {
    const take = (line: string) => {
      this.raw.push(line);
      try {
        this.lines.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        // not a log line
      }
      for (const wake of this.#waiters) wake();
    };
    createInterface({ input: child.stdout! }).on('line', take);
    createInterface({ input: child.stderr! }).on('line', take);
    this.exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve(signal ? null : code)));
  }

  static start(name: string, script: string, env: Record<string, string>): Proc {
    const child = spawn(process.execPath, ['--import', 'tsx', script], {
      cwd: ROOT,
      // Only what the app reads: nothing leaks in from the runner's environment.
      // The operations listeners on free ports: several processes of one app run side by side.
      env: { PATH: process.env['PATH'] ?? '', NODE_ENV: 'test', THOTH_LOG_LEVEL: 'info', THOTH_OPS_PORT: '0', THOTH_LEDGER_OPS_PORT: '0', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return new Proc(name, child);
  }

  /** The first log line with this message. */
  async logged(msg: string, timeoutMs = 60_000): Promise<Record<string, unknown>> {
    return waitFor(`${this.name} to log "${msg}"\n${this.raw.slice(-20).join('\n')}`, () => this.lines.find((l) => l['msg'] === msg), timeoutMs);
  }

  async stop(): Promise<number | null> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGTERM');
    return this.exited;
  }
}

/**
 * This test process's fetch (`call`) trusts `ca` besides the usual roots: the processes under test
 * serve TLS with certificates of the development CA (infra/local/tls.sh).
 */
export function trustCa(ca: string): void {
  setDefaultCACertificates([...getCACertificates('default'), ca]);
}

/** The control plane's TLS: its API and config stream present `tls`'s certificate; the config stream asks enforcers for theirs. */
export const controlPlaneTlsEnv = (tls: TestTls): Record<string, string> => ({
  THOTH_TLS_CERT_FILE: tls.certFile,
  THOTH_TLS_KEY_FILE: tls.keyFile,
  THOTH_GRPC_TLS_CLIENT_CA_FILE: tls.caFile,
});

/** An enforcer's TLS: Decide presents `tls`'s certificate, and the config stream is reached over mutual TLS with it. */
export const enforcerTlsEnv = (tls: TestTls): Record<string, string> => ({
  THOTH_TLS_CERT_FILE: tls.certFile,
  THOTH_TLS_KEY_FILE: tls.keyFile,
  THOTH_CONTROL_PLANE_CA_FILE: tls.caFile,
  THOTH_CONTROL_PLANE_CERT_FILE: tls.certFile,
  THOTH_CONTROL_PLANE_KEY_FILE: tls.keyFile,
});

export interface Answer {
  status: number;
  headers: Headers;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- JSON under test
}

export async function call(base: string, method: string, path: string, options: { key?: string; body?: unknown; headers?: Record<string, string> } = {}): Promise<Answer> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.key) headers['authorization'] = `Bearer ${options.key}`;
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(base + path, { method, headers, body: options.body === undefined ? undefined : JSON.stringify(options.body) });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text === '' ? undefined : JSON.parse(text) };
}

export async function ok(answer: Promise<Answer>, status = 200): Promise<Answer> {
  const a = await answer;
  if (a.status !== status) throw new Error(`expected ${status}, got ${a.status}: ${JSON.stringify(a.body)}`);
  return a;
}
