import { randomBytes } from 'node:crypto';

/** A webhook signing secret: `whsec_` and 32 random bytes (base64url). The HMAC key is the whole string. */
export const newSigningSecret = (): string => `whsec_${randomBytes(32).toString('base64url')}`;
