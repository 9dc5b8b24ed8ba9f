import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';

// Raw Ed25519 keys wrapped in the fixed DER prefixes node:crypto wants (RFC 8410).
const PKCS8_ED25519 = Buffer.from('302e020100300506032b657004220420', 'hex');
const SPKI_ED25519 = Buffer.from('302a300506032b6570032100', 'hex');

/** Signs with one Ed25519 key; `keyId` names its public key wherever a signature travels. */
export interface Signer {
  readonly keyId: string;
  /** Raw 32-byte public key. */
  readonly publicKey: Uint8Array;
  sign(payload: Uint8Array): Uint8Array;
}

export interface Verifier {
  readonly keyId: string;
  readonly publicKey: Uint8Array;
  verify(payload: Uint8Array, signature: Uint8Array): boolean;
}

/** Trusted public keys by key id. */
export type Keyring = ReadonlyMap<string, Verifier>;

/** `ed25519:` + the first 16 hex digits of SHA-256 of the raw public key. */
export function keyIdOf(publicKey: Uint8Array): string {
  return `ed25519:${createHash('sha256').update(publicKey).digest('hex').slice(0, 16)}`;
}

/** A new private key as the base64 of its 32-byte seed (what config variables hold). */
export function generateSigningKey(): string {
  const { privateKey } = generateKeyPairSync('ed25519');
  return privateKey.export({ format: 'der', type: 'pkcs8' }).subarray(PKCS8_ED25519.length).toString('base64');
}

/** A signer from the base64 of a 32-byte Ed25519 seed; throws on anything else. */
export function signerFromSeed(seedBase64: string): Signer {
  const seed = Buffer.from(seedBase64, 'base64');
  if (seed.length !== 32) throw new Error(`an Ed25519 seed has 32 bytes, got ${seed.length}`);
  const privateKey = createPrivateKey({ key: Buffer.concat([PKCS8_ED25519, seed]), format: 'der', type: 'pkcs8' });
  const publicKey = new Uint8Array(createPublicKey(privateKey).export({ format: 'der', type: 'spki' }).subarray(SPKI_ED25519.length));
  return {
    keyId: keyIdOf(publicKey),
    publicKey,
    sign: (payload) => new Uint8Array(sign(null, payload, privateKey)),
  };
}

/** A verifier from a raw 32-byte public key or its base64. */
export function verifierFromPublicKey(key: Uint8Array | string): Verifier {
  const raw = typeof key === 'string' ? new Uint8Array(Buffer.from(key, 'base64')) : key;
  if (raw.length !== 32) throw new Error(`an Ed25519 public key has 32 bytes, got ${raw.length}`);
  const publicKey: KeyObject = createPublicKey({ key: Buffer.concat([SPKI_ED25519, raw]), format: 'der', type: 'spki' });
  return {
    keyId: keyIdOf(raw),
    publicKey: raw,
    verify: (payload, signature) => signature.length === 64 && verify(null, payload, publicKey, signature),
  };
}

export function keyring(verifiers: Iterable<Verifier>): Keyring {
  return new Map([...verifiers].map((v) => [v.keyId, v]));
}

export function publicKeyBase64(signer: Signer | Verifier): string {
  return Buffer.from(signer.publicKey).toString('base64');
}
