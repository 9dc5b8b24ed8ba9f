import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

// Certificates for tests, from infra/local/tls.sh (openssl): the development CA's, which the
// services under test present and trust, and another CA's, which they must refuse.
const TLS_SH = fileURLToPath(new URL('../../../infra/local/tls.sh', import.meta.url));
const run = promisify(execFile);

export interface TestTls {
  /** PEM: the CA that signed `cert`, the leaf (127.0.0.1, ::1, localhost; server and client use) and its key. */
  readonly ca: string;
  readonly cert: string;
  readonly key: string;
  /** The same as files, for processes configured through the environment. */
  readonly caFile: string;
  readonly certFile: string;
  readonly keyFile: string;
}

async function issue(name: string, dir: string | undefined): Promise<TestTls> {
  const env: NodeJS.ProcessEnv = { ...process.env };
  if (dir === undefined) delete env['THOTH_TLS_DIR'];
  else env['THOTH_TLS_DIR'] = dir;
  const { stdout } = await run('bash', [TLS_SH, 'issue', name], { env });
  const at = stdout.trim();
  const files = { caFile: join(at, 'ca.crt'), certFile: join(at, `${name}.crt`), keyFile: join(at, `${name}.key`) };
  return { ...files, ca: readFileSync(files.caFile, 'utf8'), cert: readFileSync(files.certFile, 'utf8'), key: readFileSync(files.keyFile, 'utf8') };
}

/** A certificate `name` of the development CA (infra/local/.state/tls), made when missing. */
export function testTls(name: string): Promise<TestTls> {
  return issue(name, undefined);
}

/** A certificate of a CA made for this call alone, in a temporary directory: "another CA". */
export function otherCaTls(name = 'rogue'): Promise<TestTls> {
  return issue(name, mkdtempSync(join(tmpdir(), 'thoth-other-ca-')));
}
