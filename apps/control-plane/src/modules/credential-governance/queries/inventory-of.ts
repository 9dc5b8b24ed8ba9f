import type { AgentsRepository } from '../../agents/index.js';
import type { CredentialsRepository } from '../../credentials/index.js';
import { buildInventory, type InventoryEntry, type UsageRecord } from '../domain/credential-inventory.js';

/**
 * Sets usage rows against the tenant's credentials (revoked ones too: their use is a finding)
 * and agents as they are now: the inventory entries, with their findings.
 */
export async function inventoryOf(tenantId: string, usage: readonly UsageRecord[], credentials: CredentialsRepository, agents: AgentsRepository): Promise<InventoryEntry[]> {
  const [registered, known] = await Promise.all([credentials.list(tenantId, {}), agents.list(tenantId, {})]);
  return buildInventory(
    usage,
    registered.map(({ credential: c, agents: links, fingerprints }) => ({
      credentialId: c.credentialId,
      name: c.name,
      kind: c.kind,
      provider: c.provider,
      status: c.status,
      expiresAt: c.expiresAt,
      revokedAt: c.revokedAt,
      linkedAgentIds: links.map((l) => l.agentId),
      fingerprints: fingerprints.map((f) => ({ fingerprint: f.fingerprint, rotatedOutAt: f.rotatedOutAt })),
    })),
    known.map((a) => ({ agentId: a.agentId, name: a.name })),
  );
}
