import { signerFromSeed, type Signer } from '@thoth/snapshot';
import type { Logger } from 'pino';
import type { DistributionConfig } from '../config/config.js';
import { loadSnapshotSeed } from '../platform/keys/snapshot-seed.js';

/** Injection token of the control plane's snapshot Signer. */
export const SNAPSHOT_SIGNER = Symbol('SnapshotSigner');

/**
 * The control plane's snapshot-signing key: THOTH_SNAPSHOT_SIGNING_KEY when set (required in
 * production, where every replica must sign with the same key). Otherwise (embedded, dev,
 * tests) a key generated once and kept beside the database in the data dir, so enforcers
 * configured with its public key keep trusting it across restarts.
 */
export function loadSnapshotSigner(config: Pick<DistributionConfig, 'signingKey' | 'keyFile'>, logger: Logger): Signer {
  return signerFromSeed(loadSnapshotSeed(config, logger));
}
