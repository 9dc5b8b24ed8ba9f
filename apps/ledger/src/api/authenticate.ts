import { verifiedApiKeyHash, type ApiKeyRole } from '@thoth/api-keys';
import type { SqlSession } from '@thoth/db';
import type { Problem } from './problem.js';

/** Who is asking: an API key of a tenant (issued by the control plane), with its role. */
export interface Caller {
  keyId: string;
  tenantId: string;
  role: ApiKeyRole;
}

/**
 * Roles that may read evidence: admins, auditors (what the evidence is for) and read-only keys.
 * Not policy_author: writing policy needs no access to recorded tool calls, credential trails and
 * receipts, so a key made for a CI pipeline that pushes policy cannot export evidence.
 */
export const EVIDENCE_ROLES: readonly ApiKeyRole[] = ['admin', 'auditor', 'read_only'];

const BEARER = /^Bearer\s+(\S+)$/i;

export type Authentication = { ok: true; caller: Caller } | { ok: false; problem: Problem };

const unauthorized = (code: string, title: string): Authentication => ({ ok: false, problem: { status: 401, code, title } });

/**
 * API-key authentication, as the control plane does it: the key's checksum first (a typo or a
 * forged key never reaches the database), then the SECURITY DEFINER lookup by exact SHA-256 hash
 * (migration ledger/0002 lets thoth_ledger call it), then the role.
 */
export class ApiKeyAuthenticator {
  constructor(private readonly sql: Pick<SqlSession, 'query'>) {}

  async authenticate(authorization: string | undefined): Promise<Authentication> {
    if (!authorization) return unauthorized('auth.missing_key', 'Send an API key: Authorization: Bearer thoth_sk_…');
    const candidate = BEARER.exec(authorization)?.[1];
    const hash = candidate === undefined ? undefined : verifiedApiKeyHash(candidate);
    if (hash === undefined) return unauthorized('auth.malformed_key', 'The API key is not a well-formed Thoth key');
    const [row] = await this.sql.query<{ key_id: string; tenant_id: string; role: ApiKeyRole; revoked_at: Date | string | null }>(
      'SELECT key_id::text, tenant_id::text, role, revoked_at FROM thoth_lookup_api_key($1)',
      [hash],
    );
    if (!row) return unauthorized('auth.unknown_key', 'The API key is not known');
    if (row.revoked_at !== null) return unauthorized('auth.revoked_key', 'The API key has been revoked');
    if (!EVIDENCE_ROLES.includes(row.role)) {
      return {
        ok: false,
        problem: { status: 403, code: 'auth.forbidden_role', title: `Reading evidence needs one of the roles ${EVIDENCE_ROLES.join(', ')}; the key has ${row.role}` },
      };
    }
    return { ok: true, caller: { keyId: row.key_id, tenantId: row.tenant_id, role: row.role } };
  }
}
