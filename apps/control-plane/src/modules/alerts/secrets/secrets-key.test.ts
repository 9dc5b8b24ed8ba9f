import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { sealContext } from './secret-box.js';
import { loadSecretBox } from './secrets-key.js';

const logger = pino({ level: 'silent' });
const dirs: string[] = [];
const dataDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'thoth-secrets-'));
  dirs.push(dir);
  return dir;
};
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('loadSecretBox', () => {
  it('uses THOTH_SECRETS_KEY when set, and writes no file', () => {
    const file = join(dataDir(), 'secrets.key');
    const key = Buffer.alloc(32, 7).toString('base64');
    const box = loadSecretBox({ secretsKey: key, secretsKeyFile: file }, logger);
    expect(loadSecretBox({ secretsKey: key, secretsKeyFile: file }, logger).keyId).toBe(box.keyId);
    expect(() => statSync(file)).toThrow();
  });

  it('embedded: generates a key once in the data dir (0600) and keeps using it across restarts', () => {
    const file = join(dataDir(), 'nested', 'secrets.key');
    const first = loadSecretBox({ secretsKey: undefined, secretsKeyFile: file }, logger);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(Buffer.from(readFileSync(file, 'utf8').trim(), 'base64')).toHaveLength(32);
    const sealed = first.seal('whsec_x', sealContext('t', 'd', 'signing-secret'));
    const again = loadSecretBox({ secretsKey: undefined, secretsKeyFile: file }, logger);
    expect(again.open(sealed, sealContext('t', 'd', 'signing-secret'))).toBe('whsec_x');
  });

  it('refuses a key file that is not a 32-byte key', () => {
    const file = join(dataDir(), 'secrets.key');
    writeFileSync(file, 'short\n');
    expect(() => loadSecretBox({ secretsKey: undefined, secretsKeyFile: file }, logger)).toThrow(/not the base64 of a 32-byte key/);
  });
});
