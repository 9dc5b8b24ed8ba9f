import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

const VERSION = 'v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;

export class SecretBoxError extends Error {
  readonly code = 'secrets.undecryptable';
}

/**
 * AES-256-GCM for the few secrets the control plane must be able to read back (alert
 * destination URLs, webhook signing secrets). A sealed value reads
 * `v1.<key id>.<iv>.<tag>.<ciphertext>` (base64url), and is bound to its context (the
 * tenant, the destination and what it is) as additional data: ciphertext copied to another
 * row or tenant does not open.
 */
export class SecretBox {
  readonly keyId: string;
  readonly #key: Buffer;

  constructor(key: Buffer) {
    if (key.length !== 32) throw new Error('a SecretBox key is 32 bytes (AES-256)');
    this.#key = Buffer.from(key);
    this.keyId = createHash('sha256').update('thoth.secrets.key-id\0').update(key).digest('hex').slice(0, 12);
  }

  static fromBase64(key: string): SecretBox {
    return new SecretBox(Buffer.from(key, 'base64'));
  }

  seal(plaintext: string, context: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.#key, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(Buffer.from(context, 'utf8'));
    const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return [VERSION, this.keyId, iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), ciphertext.toString('base64url')].join('.');
  }

  open(sealed: string, context: string): string {
    const [version, keyId, iv, tag, ciphertext, ...rest] = sealed.split('.');
    if (version !== VERSION || rest.length > 0 || iv === undefined || tag === undefined || ciphertext === undefined) {
      throw new SecretBoxError('not a sealed secret (v1.<key id>.<iv>.<tag>.<ciphertext>)');
    }
    if (keyId !== this.keyId) {
      throw new SecretBoxError(`sealed with secrets key ${keyId}, but the configured THOTH_SECRETS_KEY is ${this.keyId}`);
    }
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.#key, Buffer.from(iv, 'base64url'), { authTagLength: TAG_BYTES });
      decipher.setAAD(Buffer.from(context, 'utf8'));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      return Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64url')), decipher.final()]).toString('utf8');
    } catch (error) {
      throw new SecretBoxError('the sealed secret does not open: tampered, or sealed for another context', { cause: error });
    }
  }
}

/** What a destination's sealed values are bound to. */
export const sealContext = (tenantId: string, destinationId: string, what: 'url' | 'signing-secret'): string =>
  `thoth.alert-destination.${what}:${tenantId}:${destinationId}`;
