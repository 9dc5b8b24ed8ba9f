import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeBase64, encodeBase64 } from './base64.js';
import { formatCheckpoint, openCheckpoint, parseCheckpoint, signCheckpoint } from './checkpoint.js';
import { leafHash } from './hash.js';
import {
  generateSignerKey,
  openNote,
  parseSignerKey,
  parseVerifierKey,
  signNote,
  verifierFromSigner,
  type NoteSigner,
  type NoteVerifier,
} from './note.js';
import type { Result } from './result.js';

function unwrap<T>(result: Result<T, string>): T {
  if (!result.ok) throw new Error(`${result.code}: ${result.reason}`);
  return result.value;
}

function keys(name: string): { signer: NoteSigner; verifier: NoteVerifier } {
  const signer = unwrap(parseSignerKey(generateSignerKey(name)));
  return { signer, verifier: unwrap(parseVerifierKey(verifierFromSigner(signer))) };
}

// golang.org/x/mod/sumdb/note note_test.go: TestSign / TestOpen, byte for byte.
const GO_SKEY = 'PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz';
const GO_VKEY = 'PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW';
const GO_TEXT = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n";
const GO_NOTE = `${GO_TEXT}\n— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n`;

describe('signed notes', () => {
  it('match golang.org/x/mod/sumdb/note byte for byte', () => {
    const signer = unwrap(parseSignerKey(GO_SKEY));
    expect(signer.keyId).toBe(0xc74f20a3);
    expect(verifierFromSigner(signer)).toBe(GO_VKEY);
    expect(signNote(GO_TEXT, [signer])).toBe(GO_NOTE);
    const opened = unwrap(openNote(GO_NOTE, [unwrap(parseVerifierKey(GO_VKEY))]));
    expect(opened.text).toBe(GO_TEXT);
    expect(opened.verifiedBy).toEqual([{ name: 'PeterNeumann', keyId: 0xc74f20a3 }]);
  });

  it('round-trips generated keys, as text and as bytes', () => {
    const { signer, verifier } = keys('thoth.example/ledger/acme');
    const note = signNote('hello\n', [signer]);
    expect(unwrap(openNote(note, [verifier])).text).toBe('hello\n');
    expect(unwrap(openNote(new TextEncoder().encode(note), [verifier])).text).toBe('hello\n');
  });

  it('ignores signatures by unknown keys but needs one by a known key', () => {
    const a = keys('a.example');
    const b = keys('b.example');
    const note = signNote('body\n', [a.signer, b.signer]);
    const opened = unwrap(openNote(note, [b.verifier]));
    expect(opened.verifiedBy).toEqual([{ name: 'b.example', keyId: b.signer.keyId }]);
    expect(opened.unknown).toEqual([{ name: 'a.example', keyId: a.signer.keyId }]);
    expect(openNote(signNote('body\n', [a.signer]), [b.verifier])).toMatchObject({ ok: false, code: 'note.unknown_key' });
  });

  it('rejects a signature by another key under the same name as unknown', () => {
    const mine = keys('log.example');
    const impostor = keys('log.example');
    expect(openNote(signNote('body\n', [impostor.signer]), [mine.verifier])).toMatchObject({ ok: false, code: 'note.unknown_key' });
  });

  it('rejects a tampered body', () => {
    const { signer, verifier } = keys('log.example');
    const note = signNote('log.example\n5\nAAAA\n', [signer]);
    expect(openNote(note.replace('\n5\n', '\n6\n'), [verifier])).toMatchObject({ ok: false, code: 'note.bad_signature' });
  });

  it('rejects any flipped bit in the signature', () => {
    const { signer, verifier } = keys('log.example');
    const note = signNote('body\n', [signer]);
    const [text, line] = note.split('\n\n') as [string, string];
    const sig = decodeBase64(line.split(' ')[2]!.trimEnd())!;
    fc.assert(
      fc.property(fc.integer({ min: 0, max: sig.length * 8 - 1 }), (bit) => {
        const bad = Uint8Array.from(sig);
        bad[bit >> 3]! ^= 1 << (bit & 7);
        const tampered = `${text}\n\n— log.example ${encodeBase64(bad)}\n`;
        // Bits 0-31 are the key id: the signature then names a key we do not know.
        const code = bit < 32 ? 'note.unknown_key' : 'note.bad_signature';
        expect(openNote(tampered, [verifier])).toMatchObject({ ok: false, code });
      }),
      { numRuns: 200 },
    );
  });

  it.each([
    ['a missing final newline', (n: string) => n.slice(0, -1)],
    ['an extra final newline', (n: string) => `${n}\n`],
    ['no blank line before the signatures', (n: string) => n.replace('\n\n', '\n')],
    ['a hyphen for the em dash', (n: string) => n.replace('—', '--')],
    ['CRLF line ends', (n: string) => n.replaceAll('\n', '\r\n')],
    ['a tab in the text', (n: string) => `\t${n}`],
    ['an unpadded signature', (n: string) => n.replace(/=\n$/, '\n')],
    ['a signature with no key name', (n: string) => n.replace('— log.example ', '— ')],
    ['two spaces after the name', (n: string) => n.replace('— log.example ', '— log.example  ')],
    ['a truncated signature', (n: string) => n.replace(/ (\S{4})\S+\n$/, ' $1\n')],
  ])('rejects a note with %s as malformed', (_, mangle) => {
    const { signer, verifier } = keys('log.example');
    const note = signNote('log.example\n1\nroot\n', [signer]);
    expect(openNote(note, [verifier]).ok).toBe(true);
    expect(openNote(mangle(note), [verifier])).toMatchObject({ ok: false, code: 'note.malformed' });
  });

  it('rejects invalid UTF-8 bytes', () => {
    const { verifier } = keys('log.example');
    expect(openNote(new Uint8Array([0x61, 0xff, 0x0a, 0x0a]), [verifier])).toMatchObject({ code: 'note.malformed' });
  });

  it('refuses to sign text it could not open again', () => {
    const { signer } = keys('log.example');
    expect(() => signNote('no newline', [signer])).toThrow(/newline/);
    expect(() => signNote('tab\there\n', [signer])).toThrow(/control/);
  });
});

describe('note keys', () => {
  it('rejects names with spaces or plus signs', () => {
    expect(() => generateSignerKey('bad name')).toThrow();
    expect(() => generateSignerKey('bad+name')).toThrow();
    expect(() => generateSignerKey('')).toThrow();
  });

  it.each([
    ['a wrong key id', GO_VKEY.replace('c74f20a3', 'c74f20a4'), 'key.id_mismatch'],
    ['another algorithm', 'PeterNeumann+c74f20a3+AhpC2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW', 'key.unsupported_algorithm'],
    ['a short key', 'PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10Q=', 'key.malformed'],
    ['a 7-digit key id', 'PeterNeumann+c74f20a+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW', 'key.malformed'],
    ['no key', 'PeterNeumann+c74f20a3', 'key.malformed'],
    ['junk in the base64', 'PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10T!', 'key.malformed'],
  ])('rejects a verifier key with %s', (_, vkey, code) => {
    expect(parseVerifierKey(vkey)).toMatchObject({ ok: false, code });
  });

  it('rejects a signer key whose id does not match its seed, or a verifier key as signer key', () => {
    expect(parseSignerKey(GO_SKEY.replace('c74f20a3', '00000000'))).toMatchObject({ code: 'key.id_mismatch' });
    expect(parseSignerKey(GO_VKEY)).toMatchObject({ code: 'key.malformed' });
  });
});

describe('checkpoints', () => {
  const root = leafHash(new Uint8Array([1, 2, 3]));
  const checkpoint = { origin: 'thoth.example/ledger/acme', size: 20852163, rootHash: root };

  it('format as the C2SP body and parse back', () => {
    const body = formatCheckpoint(checkpoint);
    expect(body).toBe(`thoth.example/ledger/acme\n20852163\n${encodeBase64(root)}\n`);
    expect(unwrap(parseCheckpoint(body))).toEqual(checkpoint);
    const withExtensions = { ...checkpoint, extensions: ['policy 7', 'x'] };
    expect(unwrap(parseCheckpoint(formatCheckpoint(withExtensions)))).toEqual(withExtensions);
  });

  it('parses the example of the C2SP tlog-checkpoint spec', () => {
    const body = 'example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n';
    expect(unwrap(parseCheckpoint(body))).toMatchObject({ origin: 'example.com/behind-the-sofa', size: 20852163 });
  });

  it('round-trips random checkpoints through signing', () => {
    const { signer, verifier } = keys('thoth.example/ledger/acme');
    fc.assert(
      fc.property(fc.nat({ max: Number.MAX_SAFE_INTEGER }), fc.uint8Array({ minLength: 32, maxLength: 32 }), (size, rootHash) => {
        const note = signCheckpoint({ origin: signer.name, size, rootHash }, [signer]);
        expect(unwrap(openCheckpoint(note, [verifier])).checkpoint).toEqual({ origin: signer.name, size, rootHash });
      }),
      { numRuns: 50 },
    );
  });

  it('is only read after its signature verifies', () => {
    const { signer, verifier } = keys('log.example');
    const other = keys('log.example');
    const note = signCheckpoint(checkpoint, [signer]);
    expect(openCheckpoint(note, [other.verifier])).toMatchObject({ ok: false, code: 'note.unknown_key' });
    expect(openCheckpoint(note.replace('20852163', '20852164'), [verifier])).toMatchObject({ code: 'note.bad_signature' });
    expect(openCheckpoint(signNote('only one line\n', [signer]), [verifier])).toMatchObject({ code: 'checkpoint.malformed' });
  });

  const b64 = encodeBase64(root);
  it.each([
    ['no final newline', `o\n1\n${b64}`],
    ['a blank extension line', `o\n1\n${b64}\n\n`],
    ['an empty origin', `\n1\n${b64}\n`],
    ['no root line', 'o\n1\n'],
    ['a leading zero', `o\n01\n${b64}\n`],
    ['a negative size', `o\n-1\n${b64}\n`],
    ['a size with a plus sign', `o\n+1\n${b64}\n`],
    ['a size with spaces', `o\n 1\n${b64}\n`],
    ['a size over 2^53', `o\n9007199254740993\n${b64}\n`],
    ['a 31-byte root', `o\n1\n${encodeBase64(root.subarray(1))}\n`],
    ['unpadded base64', `o\n1\n${b64.replace(/=$/, '')}\n`],
    ['CRLF', `o\r\n1\r\n${b64}\r\n`],
  ])('rejects a body with %s', (_, body) => {
    expect(parseCheckpoint(body)).toMatchObject({ ok: false, code: 'checkpoint.malformed' });
  });
});
