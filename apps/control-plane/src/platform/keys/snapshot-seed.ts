import { generateSigningKey } from '@thoth/snapshot';
import { hkdfSync } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Logger } from 'pino';
import type { DistributionConfig } from '../../config/config.js';

/** The snapshot key's seed (base64), as loadSnapshotSigner finds or makes it: other keys are derived from it. */
export function loadSnapshotSeed(config: Pick<DistributionConfig, 'signingKey' | 'keyFile'>, logger: Logger): string {
  if (config.signingKey) return config.signingKey;
  try {
    return readFileSync(config.keyFile, 'utf8').trim();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  mkdirSync(dirname(config.keyFile), { recursive: true });
  try {
    writeFileSync(config.keyFile, `${generateSigningKey()}\n`, { mode: 0o600, flag: 'wx' });
    logger.warn({ keyFile: config.keyFile }, 'THOTH_SNAPSHOT_SIGNING_KEY is not set: generated a snapshot-signing key for this data dir');
  } catch (error) {
    // Another process of this data dir wrote it first: use theirs.
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  return readFileSync(config.keyFile, 'utf8').trim();
}

/**
 * A key of its own for another use, derived from the snapshot key's seed (HKDF-SHA256, the use
 * as its info): every replica holds the same one without another secret to distribute, and no
 * signature of one use can pass for another's.
 */
export function derivedKey(seedBase64: string, use: string): Buffer {
  return Buffer.from(hkdfSync('sha256', Buffer.from(seedBase64, 'base64'), Buffer.alloc(0), `thoth.${use}`, 32));
}
