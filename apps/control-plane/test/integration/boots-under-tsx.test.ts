import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, createAppLoginRole } from './support/control-plane.js';

// `pnpm start` runs under tsx, whose esbuild emits no decorator metadata: a constructor
// parameter without @Inject would only break there. Boot the real entry point the same way.
const APP = fileURLToPath(new URL('../../', import.meta.url));
let role: Awaited<ReturnType<typeof createAppLoginRole>>;
const dataDir = mkdtempSync(join(tmpdir(), 'thoth-cp-boot-'));

beforeAll(async () => {
  role = await createAppLoginRole();
});
afterAll(async () => {
  await role?.drop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('src/main.ts under tsx', () => {
  it('boots from the environment, serves sign-up and an authenticated read, and stops on SIGTERM', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      cwd: APP,
      // Only what the control plane reads: nothing leaks in from the test runner's environment.
      env: { DATABASE_URL: role.url, THOTH_HTTP_PORT: '0', THOTH_GRPC_PORT: '0', THOTH_OPS_PORT: '0', THOTH_DATA_DIR: dataDir, THOTH_LOG_LEVEL: 'info' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const output: string[] = [];
    child.stderr.on('data', (chunk: Buffer) => output.push(chunk.toString()));
    try {
      const url = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no "control plane listening" within 60 s:\n${output.join('')}`)), 60_000);
        child.once('exit', (code) => reject(new Error(`exited with ${code}:\n${output.join('')}`)));
        createInterface({ input: child.stdout }).on('line', (line) => {
          output.push(line);
          const entry = JSON.parse(line) as { msg?: string; url?: string };
          if (entry.msg === 'control plane listening' && entry.url) {
            clearTimeout(timer);
            resolve(entry.url);
          }
        });
      });
      const signedUp = await call(url, 'POST', '/v1/tenants', { body: { name: 'Tsx', email: 'ops@tsx.test' } });
      expect(signedUp.status).toBe(201);
      const tenant = await call(url, 'GET', '/v1/tenant', { key: signedUp.body.apiKey.key });
      expect(tenant.body.name).toBe('Tsx');
    } finally {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
  });
});
