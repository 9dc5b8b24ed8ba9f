// An auditor keeps the evidence bundles and checkpoints a ledger handed out before an upgrade:
// today's offline verification must accept what the previous release (63aae65) wrote
// (libs/contracts/testdata: its signed checkpoint over two published decisions, and the evidence
// bundle of the second), and today's tree must hash those leaves to the root it signed.
import { merkleTreeHash, openCheckpoint, parseVerifierKey } from '@thoth/merkle';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { verifyEvidenceBundle } from './verify-bundle.js';

const TENANT = '7e0a0000-0000-4000-8000-00000000601d';
const text = (name: string) => readFileSync(new URL(`../../../../libs/contracts/testdata/${name}`, import.meta.url), 'utf8');
const bytes = (name: string) => new Uint8Array(readFileSync(new URL(`../../../../libs/contracts/testdata/${name}`, import.meta.url)));
const KEY = text('checkpoint-key.previous.vkey').trim();

describe('evidence of the previous release', () => {
  it('opens its signed checkpoint, whose root is the tree of the two decisions it logged', () => {
    const key = parseVerifierKey(KEY);
    if (!key.ok) throw new Error(key.reason);
    const opened = openCheckpoint(text('checkpoint.previous.txt'), [key.value]);
    if (!opened.ok) throw new Error(`${opened.code}: ${opened.reason}`);
    expect(opened.value.checkpoint).toMatchObject({ origin: `thoth.dev/ledger/${TENANT}`, size: 2 });
    expect(opened.value.checkpoint.rootHash).toEqual(merkleTreeHash([bytes('decision-event.previous-0.bin'), bytes('decision-event.previous-1.bin')]));
  });

  it('verifies its evidence bundle offline, as `thoth verify` does', () => {
    const bundle = text('evidence-bundle.previous.json');
    expect(JSON.parse(bundle)).toMatchObject({ version: 'thoth.evidence.v1', checkpoint: text('checkpoint.previous.txt') });
    const result = verifyEvidenceBundle(bundle, KEY);
    expect(result).toMatchObject({ ok: true, value: { tenantId: TENANT, decisionId: '019ab697-e800-78a9-9d0e-ab9e23749bb2', leafIndex: 1, treeSize: 2, origin: `thoth.dev/ledger/${TENANT}` } });
  });

  it('still refuses it when a shown field was changed', () => {
    const bundle = JSON.parse(text('evidence-bundle.previous.json')) as { entry: Record<string, unknown> };
    bundle.entry['effect'] = 'EFFECT_DENY';
    expect(verifyEvidenceBundle(JSON.stringify(bundle), KEY)).toMatchObject({ ok: false, code: 'entry.fields_mismatch' });
  });
});
