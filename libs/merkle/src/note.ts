import { Buffer } from 'node:buffer';
import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  sign,
  verify,
  type KeyObject,
} from 'node:crypto';
import { decodeBase64, encodeBase64 } from './base64.js';
import { MerkleError, fail, ok, type Result } from './result.js';
import { isCleanText } from './text.js';

// C2SP signed-note (c2sp.org/signed-note), byte-compatible with golang.org/x/mod/sumdb/note.

const ALG_ED25519 = 0x01;
const SIG_PREFIX = '\u2014 '; // em dash, space
const MAX_SIGNATURES = 100; // golang.org/x/mod/sumdb/note's cap; the spec asks for at least 16
const PRIVATE_KEY_PREFIX = 'PRIVATE+KEY+';
const PKCS8_ED25519 = Buffer.from('302e020100300506032b657004220420', 'hex');
const SPKI_ED25519 = Buffer.from('302a300506032b6570032100', 'hex');

export type NoteErrorCode = 'note.malformed' | 'note.unknown_key' | 'note.bad_signature';
export type KeyErrorCode = 'key.malformed' | 'key.unsupported_algorithm' | 'key.id_mismatch';

export interface NoteSigner {
  readonly name: string;
  readonly keyId: number;
  readonly publicKey: Uint8Array;
  readonly privateKey: KeyObject;
}

export interface NoteVerifier {
  readonly name: string;
  readonly keyId: number;
  readonly publicKey: KeyObject;
}

export interface NoteSignature {
  readonly name: string;
  readonly keyId: number;
}

export interface OpenedNote {
  /** The signed text, ending in a newline. */
  readonly text: string;
  readonly verifiedBy: readonly NoteSignature[];
  /** Signatures by keys the caller did not pass; ignored, as the spec requires. */
  readonly unknown: readonly NoteSignature[];
}

/** Non-empty, no Unicode space, no '+': the rule of the spec and of Go's isValidName. */
export function isValidKeyName(name: string): boolean {
  return name !== '' && !/[\s\u0085+]/u.test(name) && !/[\uD800-\uDFFF]/u.test(name);
}

/** SHA-256(name || 0x0A || 0x01 || public key)[:4], big-endian. */
export function keyId(name: string, publicKey: Uint8Array): number {
  const digest = createHash('sha256')
    .update(name, 'utf8')
    .update(new Uint8Array([0x0a, ALG_ED25519]))
    .update(publicKey)
    .digest();
  return digest.readUInt32BE(0);
}

const hex8 = (id: number): string => id.toString(16).padStart(8, '0');

/** `PRIVATE+KEY+<name>+<hex key id>+<base64(0x01 || seed)>`, as Go's note.GenerateKey writes it. */
export function generateSignerKey(name: string): string {
  if (!isValidKeyName(name)) throw new MerkleError('key.invalid', `invalid key name ${JSON.stringify(name)}`);
  const { privateKey } = generateKeyPairSync('ed25519');
  const seed = privateKey.export({ format: 'der', type: 'pkcs8' }).subarray(PKCS8_ED25519.length);
  const publicKey = rawPublicKey(privateKey);
  return `${PRIVATE_KEY_PREFIX}${name}+${hex8(keyId(name, publicKey))}+${encodeBase64(withAlg(seed))}`;
}

/** `<name>+<hex key id>+<base64(0x01 || public key)>`. */
export function verifierFromSigner(signer: NoteSigner): string {
  return `${signer.name}+${hex8(signer.keyId)}+${encodeBase64(withAlg(signer.publicKey))}`;
}

export function parseSignerKey(text: string): Result<NoteSigner, KeyErrorCode> {
  if (!text.startsWith(PRIVATE_KEY_PREFIX)) return fail('key.malformed', 'signer key must start with PRIVATE+KEY+');
  const parts = splitKey(text.slice(PRIVATE_KEY_PREFIX.length));
  if (!parts.ok) return parts;
  const { name, id, alg, key } = parts.value;
  if (alg !== ALG_ED25519) return fail('key.unsupported_algorithm', `signature type 0x${alg.toString(16)} is not Ed25519`);
  if (key.length !== 32) return fail('key.malformed', `Ed25519 seed has ${key.length} bytes, want 32`);
  const privateKey = createPrivateKey({ key: Buffer.concat([PKCS8_ED25519, key]), format: 'der', type: 'pkcs8' });
  const publicKey = rawPublicKey(privateKey);
  if (keyId(name, publicKey) !== id) return fail('key.id_mismatch', `key id ${hex8(id)} does not match the key for ${name}`);
  return ok({ name, keyId: id, publicKey, privateKey });
}

export function parseVerifierKey(text: string): Result<NoteVerifier, KeyErrorCode> {
  const parts = splitKey(text);
  if (!parts.ok) return parts;
  const { name, id, alg, key } = parts.value;
  if (alg !== ALG_ED25519) return fail('key.unsupported_algorithm', `signature type 0x${alg.toString(16)} is not Ed25519`);
  if (key.length !== 32) return fail('key.malformed', `Ed25519 public key has ${key.length} bytes, want 32`);
  if (keyId(name, key) !== id) return fail('key.id_mismatch', `key id ${hex8(id)} does not match the key for ${name}`);
  const publicKey = createPublicKey({ key: Buffer.concat([SPKI_ED25519, key]), format: 'der', type: 'spki' });
  return ok({ name, keyId: id, publicKey });
}

function splitKey(text: string): Result<{ name: string; id: number; alg: number; key: Uint8Array }, KeyErrorCode> {
  // base64 has '+' in its alphabet: only the first two pluses separate fields.
  const first = text.indexOf('+');
  const second = text.indexOf('+', first + 1);
  if (first < 0 || second < 0) return fail('key.malformed', 'key must be <name>+<hex key id>+<base64 key>');
  const name = text.slice(0, first);
  const idHex = text.slice(first + 1, second);
  const keyB64 = text.slice(second + 1);
  if (!isValidKeyName(name)) return fail('key.malformed', `invalid key name ${JSON.stringify(name)}`);
  if (!/^[0-9a-fA-F]{8}$/.test(idHex)) return fail('key.malformed', 'key id must be 8 hex digits');
  const bytes = decodeBase64(keyB64);
  if (bytes === undefined || bytes.length < 1) return fail('key.malformed', 'key is not valid base64');
  return ok({ name, id: Number.parseInt(idHex, 16), alg: bytes[0]!, key: bytes.subarray(1) });
}

function withAlg(key: Uint8Array): Uint8Array {
  return Buffer.concat([new Uint8Array([ALG_ED25519]), key]);
}

function rawPublicKey(privateKey: KeyObject): Uint8Array {
  return new Uint8Array(createPublicKey(privateKey).export({ format: 'der', type: 'spki' }).subarray(SPKI_ED25519.length));
}

function isNoteText(text: string): boolean {
  return isCleanText(text, true);
}

/** Signs `text` (which must end in a newline) with each signer, Ed25519 being deterministic. */
export function signNote(text: string, signers: readonly NoteSigner[]): string {
  if (!text.endsWith('\n') || !isNoteText(text)) {
    throw new MerkleError('note.invalid_text', 'note text must be UTF-8 ending in a newline, with no control characters but newlines');
  }
  if (signers.length === 0) throw new MerkleError('key.invalid', 'a note needs at least one signer');
  const message = Buffer.from(text, 'utf8');
  const lines = signers.map((s) => {
    const sig = Buffer.alloc(4 + 64);
    sig.writeUInt32BE(s.keyId, 0);
    sign(null, message, s.privateKey).copy(sig, 4);
    return `${SIG_PREFIX}${s.name} ${sig.toString('base64')}\n`;
  });
  return `${text}\n${lines.join('')}`;
}

/**
 * Verifies a signed note against trusted keys, as Go's note.Open does: signatures by unknown keys
 * are ignored, a failing signature by a known key rejects the whole note, and at least one known
 * key must have signed.
 */
export function openNote(note: string | Uint8Array, verifiers: readonly NoteVerifier[]): Result<OpenedNote, NoteErrorCode> {
  let msg: string;
  if (typeof note === 'string') {
    msg = note;
  } else {
    try {
      msg = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(note);
    } catch {
      return fail('note.malformed', 'note is not valid UTF-8');
    }
  }
  if (!isNoteText(msg)) return fail('note.malformed', 'note has a control character or is not valid UTF-8');
  const split = msg.lastIndexOf('\n\n');
  if (split < 0) return fail('note.malformed', 'note has no blank line before its signatures');
  const text = msg.slice(0, split + 1);
  const block = msg.slice(split + 2);
  if (block === '' || !block.endsWith('\n')) return fail('note.malformed', 'signature block must end in a newline');

  const message = Buffer.from(text, 'utf8');
  const verifiedBy: NoteSignature[] = [];
  const unknown: NoteSignature[] = [];
  const seen = new Set<string>();
  const lines = block.slice(0, -1).split('\n');
  if (lines.length > MAX_SIGNATURES) return fail('note.malformed', `note has more than ${MAX_SIGNATURES} signatures`);
  for (const [i, line] of lines.entries()) {
    const where = `signature line ${i + 1}`;
    if (!line.startsWith(SIG_PREFIX)) return fail('note.malformed', `${where} does not start with an em dash and a space`);
    const rest = line.slice(SIG_PREFIX.length);
    const space = rest.indexOf(' ');
    const name = space < 0 ? rest : rest.slice(0, space);
    const b64 = space < 0 ? '' : rest.slice(space + 1);
    const sig = decodeBase64(b64);
    if (!isValidKeyName(name) || sig === undefined || sig.length < 5) return fail('note.malformed', `${where} is not "— <key name> <base64 signature>"`);
    const id = Buffer.from(sig.buffer, sig.byteOffset, 4).readUInt32BE(0);
    const verifier = verifiers.find((v) => v.name === name && v.keyId === id);
    const who = `${name}+${hex8(id)}`;
    if (verifier === undefined) {
      unknown.push({ name, keyId: id });
      continue;
    }
    if (seen.has(who)) continue;
    seen.add(who);
    const signature = sig.subarray(4);
    if (signature.length !== 64 || !verify(null, message, verifier.publicKey, signature)) {
      return fail('note.bad_signature', `signature by ${who} does not verify`);
    }
    verifiedBy.push({ name, keyId: id });
  }
  if (verifiedBy.length === 0) return fail('note.unknown_key', 'no signature by a trusted key');
  return ok({ text, verifiedBy, unknown });
}
