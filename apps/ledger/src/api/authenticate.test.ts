import { generateApiKey } from '@thoth/api-keys';
import { describe, expect, it } from 'vitest';
import { ApiKeyAuthenticator } from './authenticate.js';

function lookup(rows: Array<Record<string, unknown>>) {
  const calls: unknown[][] = [];
  const sql = {
    query: async <Row extends Record<string, unknown>>(_text: string, params?: unknown[]): Promise<Row[]> => {
      calls.push(params ?? []);
      return rows as Row[];
    },
  };
  return { auth: new ApiKeyAuthenticator(sql), calls };
}

const TENANT = '7c0d4a52-3c8e-4c8e-9a59-0a5b2f0e9d11';

describe('ledger API authentication', () => {
  it('rejects a missing, malformed or forged key without touching the database', async () => {
    const { auth, calls } = lookup([]);
    const { key } = generateApiKey();
    const secret = key.slice(9, 41);
    const forged = key.replace(secret, (secret[0] === 'a' ? 'b' : 'a') + secret.slice(1));
    expect(await auth.authenticate(undefined)).toMatchObject({ ok: false, problem: { status: 401, code: 'auth.missing_key' } });
    for (const header of [`Bearer ${forged}`, `Basic ${key}`, 'Bearer', `Bearer ${key}x`]) {
      expect(await auth.authenticate(header), header).toMatchObject({ ok: false, problem: { status: 401, code: 'auth.malformed_key' } });
    }
    expect(calls).toEqual([]);
  });

  it('looks a well-formed key up by its hash, and tells unknown, revoked and forbidden roles apart', async () => {
    const { key, hash } = generateApiKey();
    const unknown = lookup([]);
    expect(await unknown.auth.authenticate(`Bearer ${key}`)).toMatchObject({ ok: false, problem: { status: 401, code: 'auth.unknown_key' } });
    expect(unknown.calls).toEqual([[hash]]);
    const row = { key_id: 'k1', tenant_id: TENANT, role: 'auditor', revoked_at: null };
    expect(await lookup([{ ...row, revoked_at: new Date() }]).auth.authenticate(`Bearer ${key}`)).toMatchObject({ problem: { status: 401, code: 'auth.revoked_key' } });
    expect(await lookup([{ ...row, role: 'policy_author' }]).auth.authenticate(`bearer ${key}`)).toMatchObject({ problem: { status: 403, code: 'auth.forbidden_role' } });
    for (const role of ['admin', 'auditor', 'read_only']) {
      expect(await lookup([{ ...row, role }]).auth.authenticate(`Bearer ${key}`)).toEqual({ ok: true, caller: { keyId: 'k1', tenantId: TENANT, role } });
    }
  });
});
