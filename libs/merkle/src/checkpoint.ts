import { decodeBase64, encodeBase64 } from './base64.js';
import { HASH_SIZE } from './hash.js';
import { openNote, signNote, type NoteErrorCode, type NoteSigner, type NoteVerifier, type OpenedNote } from './note.js';
import { MerkleError, fail, ok, type Result } from './result.js';
import { isCleanText } from './text.js';

// C2SP tlog-checkpoint (c2sp.org/tlog-checkpoint): the body a log signs for a tree head.

export interface Checkpoint {
  /** The log's identity; by convention also the name of the key that signs it. */
  readonly origin: string;
  readonly size: number;
  readonly rootHash: Uint8Array;
  readonly extensions?: readonly string[];
}

export type CheckpointErrorCode = 'checkpoint.malformed';

const SIZE = /^(0|[1-9][0-9]*)$/;

function isLine(line: string): boolean {
  return line !== '' && isCleanText(line, false);
}

/** `<origin>\n<size>\n<base64 root>\n` then one line per extension. */
export function formatCheckpoint(checkpoint: Checkpoint): string {
  const { origin, size, rootHash, extensions = [] } = checkpoint;
  if (!isLine(origin)) throw new MerkleError('note.invalid_text', 'checkpoint origin must be one non-empty line');
  if (!Number.isSafeInteger(size) || size < 0) throw new MerkleError('tree.out_of_range', `tree size ${size} is not a safe non-negative integer`);
  if (rootHash.length !== HASH_SIZE) throw new MerkleError('tree.out_of_range', `root hash has ${rootHash.length} bytes`);
  if (!extensions.every(isLine)) throw new MerkleError('note.invalid_text', 'checkpoint extension lines must be non-empty single lines');
  return [origin, String(size), encodeBase64(rootHash), ...extensions].map((l) => `${l}\n`).join('');
}

/** Strict: every field must be exactly as formatCheckpoint writes it. */
export function parseCheckpoint(body: string): Result<Checkpoint, CheckpointErrorCode> {
  if (!body.endsWith('\n')) return fail('checkpoint.malformed', 'checkpoint must end in a newline');
  const lines = body.slice(0, -1).split('\n');
  if (lines.length < 3) return fail('checkpoint.malformed', 'checkpoint needs origin, tree size and root hash lines');
  const [origin, sizeText, rootText, ...extensions] = lines as [string, string, string, ...string[]];
  if (!isLine(origin)) return fail('checkpoint.malformed', 'line 1: origin must be non-empty');
  if (!SIZE.test(sizeText)) return fail('checkpoint.malformed', 'line 2: tree size must be decimal without leading zeros');
  const size = Number(sizeText);
  if (!Number.isSafeInteger(size)) return fail('checkpoint.malformed', 'line 2: tree size is larger than 2^53 - 1');
  const rootHash = decodeBase64(rootText);
  if (rootHash?.length !== HASH_SIZE) return fail('checkpoint.malformed', `line 3: root hash must be ${HASH_SIZE} bytes in base64`);
  const bad = extensions.findIndex((l) => !isLine(l));
  if (bad >= 0) return fail('checkpoint.malformed', `line ${bad + 4}: extension lines must be non-empty`);
  return ok(extensions.length > 0 ? { origin, size, rootHash, extensions } : { origin, size, rootHash });
}

export function signCheckpoint(checkpoint: Checkpoint, signers: readonly NoteSigner[]): string {
  return signNote(formatCheckpoint(checkpoint), signers);
}

export interface OpenedCheckpoint {
  readonly checkpoint: Checkpoint;
  readonly note: OpenedNote;
}

/** Verifies the signatures first: an unsigned body is not looked at. */
export function openCheckpoint(
  note: string | Uint8Array,
  verifiers: readonly NoteVerifier[],
): Result<OpenedCheckpoint, NoteErrorCode | CheckpointErrorCode> {
  const opened = openNote(note, verifiers);
  if (!opened.ok) return opened;
  const checkpoint = parseCheckpoint(opened.value.text);
  if (!checkpoint.ok) return checkpoint;
  return ok({ checkpoint: checkpoint.value, note: opened.value });
}
