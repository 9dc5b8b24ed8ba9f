import { generateSigningKey, signerFromSeed, type Signer } from '@thoth/snapshot';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Logger } from 'pino';
import type { DistributionConfig } from '../config/config.js';

/** Injection token of the control plane's snapshot Signer. */
export const SNAPSHOT_SIGNER = Symbol('SnapshotSigner');

/**
 * The control plane's snapshot-signing key: THOTH_SNAPSHOT_SIGNING_KEY when set (required in
 * production, where every replica must sign with the same key). Otherwise (embedded, dev,
 * tests) a key generated once and kept beside the database in the data dir, so enforcers
 * configured with its public key keep trusting it across restarts.
 */
export function loadSnapshotSigner(config: Pick<DistributionConfig, 'signingKey' | 'keyFile'>, logger: Logger): Signer {
  if (config.signingKey) return signerFromSeed(config.signingKey);
  try {
    return signerFromSeed(readFileSync(config.keyFile, 'utf8').trim());
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
  return signerFromSeed(readFileSync(config.keyFile, 'utf8').trim());
}
