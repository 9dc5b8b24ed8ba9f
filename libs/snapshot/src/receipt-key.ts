import { hash } from 'node:crypto';
import { verifierFromPublicKey, type Signer } from './keys.js';

/**
 * An enforcer's announcement of its receipt key on its config stream
 * (thoth.config.v1.ReceiptKeyAnnouncement), and the proof that goes with it: an Ed25519
 * signature, by the announced key, over
 *
 *   thoth.receipt_key.v1\n
 *   enforcer_token_sha256 <n>:<lowercase hex SHA-256 of the enforcer token, UTF-8>\n
 *   instance_id <n>:<Hello.enforcer_id>\n
 *   public_key <n>:<base64 of the raw 32-byte key>\n
 *
 * (`<n>` the value's length in UTF-8 bytes, as in receipts). The control plane stores only
 * the token's hash, so it checks the proof without the token; whoever replays an announcement
 * on another registration's stream, or names someone else's public key as theirs, has no
 * signature over that registration's hash.
 */
export interface ReceiptKeyAnnouncement {
  /** Raw 32-byte Ed25519 public key. */
  readonly publicKey: Uint8Array;
  readonly proof: Uint8Array;
}

export function receiptKeyProofPayload(input: { tokenSha256: string; instanceId: string; publicKey: Uint8Array }): Uint8Array {
  const key = Buffer.from(input.publicKey).toString('base64');
  return Buffer.from(`thoth.receipt_key.v1\n${field('enforcer_token_sha256', input.tokenSha256)}${field('instance_id', input.instanceId)}${field('public_key', key)}`, 'utf8');
}

const field = (name: string, value: string) => `${name} ${Buffer.byteLength(value, 'utf8')}:${value}\n`;

/** What an enforcer process announces in its Hello: its receipt key, proved for its token and instance id. */
export function announceReceiptKey(signer: Signer, enforcerToken: string, instanceId: string): ReceiptKeyAnnouncement {
  const payload = receiptKeyProofPayload({ tokenSha256: tokenSha256(enforcerToken), instanceId, publicKey: signer.publicKey });
  return { publicKey: signer.publicKey, proof: signer.sign(payload) };
}

/** Why an announcement does not hold for this registration (its token's hash) and instance, or undefined. */
export function receiptKeyProblem(announcement: ReceiptKeyAnnouncement, tokenSha256: string, instanceId: string): string | undefined {
  if (announcement.publicKey.length !== 32) return `an Ed25519 public key has 32 bytes, got ${announcement.publicKey.length}`;
  const verifier = verifierFromPublicKey(announcement.publicKey);
  const payload = receiptKeyProofPayload({ tokenSha256, instanceId, publicKey: announcement.publicKey });
  if (!verifier.verify(payload, announcement.proof)) return `the proof of receipt key ${verifier.keyId} does not verify for this enforcer token and instance ${JSON.stringify(instanceId)}`;
  return undefined;
}

/** Lowercase hex SHA-256 of an enforcer token: what the control plane keeps of it. */
export const tokenSha256 = (token: string): string => hash('sha256', token, 'hex');
