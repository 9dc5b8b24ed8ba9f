// The Python SDK (libs/sdk-python) against a real enforcer: pytest runs in a child process,
// reaching the enforcer this test starts over gRPC on loopback. Fails when pytest fails (its
// output is the failure message) or skips anything.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256Hex } from '../enforcers/harness.js';
import { startSdkEnforcer, type SdkEnforcer } from '../sdk/sdk-enforcer.js';
import { enforcerEnv, pytest, pythonEnvironment } from './python-sdk.js';

describe('the Python SDK through a real enforcer', () => {
  let enforcer: SdkEnforcer;
  let python: string;
  beforeAll(async () => {
    [python, enforcer] = await Promise.all([pythonEnvironment(), startSdkEnforcer('python')]);
  });
  afterAll(() => enforcer?.stop());

  it('passes its pytest suite (unit tests, guard, client, receipts and every adapter) with nothing skipped', async () => {
    const result = await pytest(python, ['tests'], enforcerEnv(enforcer));
    expect(result.code, result.output).toBe(0);
    expect(result.output, result.output).not.toMatch(/\bskipped\b/);
    expect(result.output).toMatch(/\d+ passed/);

    // What the enforcer recorded of the calls pytest reported: the credential only as its fingerprint.
    const sent = result.report.filter((r) => r['kind'] === 'credential');
    expect(sent.length).toBeGreaterThan(0);
    for (const r of sent) {
      const event = enforcer.recorded.find((e) => e.decisionId === r['decision_id']);
      expect(event, `decision ${String(r['decision_id'])} recorded`).toBeDefined();
      expect(event!.credentialFingerprint).toBe(sha256Hex(String(r['token'])));
      expect(event!.resource).toBe(r['resource']);
      expect(JSON.stringify(event, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v instanceof Uint8Array ? Buffer.from(v).toString('latin1') : v))).not.toContain(String(r['token']));
    }
  });
});
