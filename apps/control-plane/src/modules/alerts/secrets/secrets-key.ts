import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Logger } from 'pino';
import type { AlertsConfig } from '../../../config/config.js';
import { SecretBox } from './secret-box.js';

const BASE64_KEY = /^[A-Za-z0-9+/]+=*$/;

/**
 * The SecretBox of this control plane: THOTH_SECRETS_KEY when set (required in production,
 * where every replica must share it). Otherwise (embedded, dev) a key generated once and kept
 * in the data dir, mode 0600 — beside the database, so it protects against a leaked dump or
 * backup of the database alone, not against someone who can read the data dir.
 */
export function loadSecretBox(config: Pick<AlertsConfig, 'secretsKey' | 'secretsKeyFile'>, logger: Logger): SecretBox {
  if (config.secretsKey) return SecretBox.fromBase64(config.secretsKey);
  const existing = readKeyFile(config.secretsKeyFile);
  if (existing) return existing;
  mkdirSync(dirname(config.secretsKeyFile), { recursive: true });
  try {
    writeFileSync(config.secretsKeyFile, `${randomBytes(32).toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
    logger.warn({ keyFile: config.secretsKeyFile }, 'THOTH_SECRETS_KEY is not set: generated a secrets key for this data dir');
  } catch (error) {
    // Another process of this data dir wrote it first: use theirs.
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  const written = readKeyFile(config.secretsKeyFile);
  if (!written) throw new Error(`${config.secretsKeyFile}: could not read the secrets key just written`);
  return written;
}

function readKeyFile(path: string): SecretBox | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8').trim();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  if (!BASE64_KEY.test(text) || Buffer.from(text, 'base64').length !== 32) {
    throw new Error(`${path}: not the base64 of a 32-byte key (delete it only if nothing was sealed with it)`);
  }
  return SecretBox.fromBase64(text);
}
