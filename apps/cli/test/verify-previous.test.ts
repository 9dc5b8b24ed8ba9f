import { generateSignerKey, parseSignerKey, verifierFromSigner } from '@thoth/merkle';
import { describe, expect, it } from 'vitest';
import { thoth } from './support/thoth.js';

// Issue 23, acceptance 5: the built `thoth verify` accepts an evidence bundle the previous release's
// ledger handed out (libs/contracts/testdata/evidence-bundle.previous.json, written by 63aae65),
// with its verifier key read from a file, and refuses it under another key.
const TESTDATA = 'libs/contracts/testdata';
const BUNDLE = `${TESTDATA}/evidence-bundle.previous.json`;
const TENANT = '7e0a0000-0000-4000-8000-00000000601d';

describe('thoth verify on an evidence bundle of the previous release', () => {
  it('verifies it with the ledger verifier key of that release', async () => {
    const run = await thoth(['--output', 'json', 'verify', BUNDLE, '--key', `@${TESTDATA}/checkpoint-key.previous.vkey`]);
    expect([run.code, run.stderr]).toEqual([0, '']);
    expect(JSON.parse(run.stdout)).toEqual({ ok: true, tenantId: TENANT, decisionId: '019ab697-e800-78a9-9d0e-ab9e23749bb2', leafIndex: 1, treeSize: 2, origin: `thoth.dev/ledger/${TENANT}` });
  });

  it('fails it under a key the bundle does not name', async () => {
    const signer = parseSignerKey(generateSignerKey('thoth.dev/ledger'));
    if (!signer.ok) throw new Error(signer.reason);
    const run = await thoth(['verify', BUNDLE, '--key', verifierFromSigner(signer.value)]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('FAILED bundle.key_mismatch: ');
  });
});
