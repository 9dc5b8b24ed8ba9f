import {
  credentialAgents,
  credentialFingerprints,
  credentials,
  type CredentialAgentRow,
  type CredentialFingerprintRow,
  type CredentialRow,
  type NewCredentialAgentRow,
  type NewCredentialFingerprintRow,
  type NewCredentialRow,
} from '@thoth/db';
import { and, asc, eq, inArray } from 'drizzle-orm';
import type { TenantDatabase, Tx } from '../../../platform/database/tenant-database.js';

/** A credential row with its linked agents and fingerprint history. */
export interface CredentialRecord {
  credential: CredentialRow;
  agents: CredentialAgentRow[];
  fingerprints: CredentialFingerprintRow[];
}

/** The credential read models: written by the projection (inside the append), read by queries. */
export class CredentialsRepository {
  constructor(private readonly database: TenantDatabase) {}

  async find(tenantId: string, credentialId: string): Promise<CredentialRecord | undefined> {
    return this.database.transaction(tenantId, async (tx) => {
      const [credential] = await tx.select().from(credentials).where(eq(credentials.credentialId, credentialId));
      if (!credential) return undefined;
      const [records] = await withDetails(tx, [credential]);
      return records;
    });
  }

  async list(tenantId: string, filter: { status?: 'active' | 'revoked'; agentId?: string }): Promise<CredentialRecord[]> {
    return this.database.transaction(tenantId, async (tx) => {
      const linked =
        filter.agentId === undefined
          ? undefined
          : (await tx.select({ id: credentialAgents.credentialId }).from(credentialAgents).where(eq(credentialAgents.agentId, filter.agentId))).map((r) => r.id);
      if (linked !== undefined && linked.length === 0) return [];
      const rows = await tx
        .select()
        .from(credentials)
        .where(
          and(
            eq(credentials.tenantId, tenantId),
            filter.status === undefined ? undefined : eq(credentials.status, filter.status),
            linked === undefined ? undefined : inArray(credentials.credentialId, linked),
          ),
        )
        .orderBy(asc(credentials.registeredAt), asc(credentials.credentialId));
      return withDetails(tx, rows);
    });
  }

  static async insert(tx: Tx, row: NewCredentialRow): Promise<void> {
    await tx.insert(credentials).values(row);
  }

  static async update(tx: Tx, credentialId: string, change: Partial<NewCredentialRow>): Promise<void> {
    await tx.update(credentials).set(change).where(eq(credentials.credentialId, credentialId));
  }

  static async addFingerprint(tx: Tx, row: NewCredentialFingerprintRow): Promise<void> {
    await tx.insert(credentialFingerprints).values(row);
  }

  static async rotateOutFingerprint(tx: Tx, credentialId: string, fingerprint: string, at: Date): Promise<void> {
    await tx
      .update(credentialFingerprints)
      .set({ rotatedOutAt: at })
      .where(and(eq(credentialFingerprints.credentialId, credentialId), eq(credentialFingerprints.fingerprint, fingerprint)));
  }

  static async linkAgent(tx: Tx, row: NewCredentialAgentRow): Promise<void> {
    await tx.insert(credentialAgents).values(row).onConflictDoNothing();
  }

  static async unlinkAgent(tx: Tx, credentialId: string, agentId: string): Promise<void> {
    await tx.delete(credentialAgents).where(and(eq(credentialAgents.credentialId, credentialId), eq(credentialAgents.agentId, agentId)));
  }
}

async function withDetails(tx: Tx, rows: CredentialRow[]): Promise<CredentialRecord[]> {
  if (rows.length === 0) return [];
  const ids = rows.map((r) => r.credentialId);
  const [agents, fingerprints] = await Promise.all([
    tx.select().from(credentialAgents).where(inArray(credentialAgents.credentialId, ids)).orderBy(asc(credentialAgents.linkedAt), asc(credentialAgents.agentId)),
    tx.select().from(credentialFingerprints).where(inArray(credentialFingerprints.credentialId, ids)).orderBy(asc(credentialFingerprints.activeFrom)),
  ]);
  return rows.map((credential) => ({
    credential,
    agents: agents.filter((a) => a.credentialId === credential.credentialId),
    fingerprints: fingerprints.filter((f) => f.credentialId === credential.credentialId),
  }));
}
