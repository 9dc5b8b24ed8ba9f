import type { UsageDelta } from './credential-usage.js';

/**
 * The credential inventory: every fingerprint seen in decisions, with the agents that used it,
 * set against what the Credential context knows (registered? linked to whom? revoked, expired,
 * rotated out?). Pure: the query handler reads the rows, this decides the findings.
 */
export type InventoryFinding = 'unknown' | 'shared' | 'revoked_in_use' | 'expired_in_use' | 'rotated_out_in_use' | 'unlinked_agent';

export const INVENTORY_FINDINGS: readonly InventoryFinding[] = ['unknown', 'shared', 'revoked_in_use', 'expired_in_use', 'rotated_out_in_use', 'unlinked_agent'];

/** One (fingerprint, agent) row of the usage table: the deltas of every batch, added up. */
export type UsageRecord = UsageDelta;

/** A registered credential as the Credential context has it. */
export interface KnownCredential {
  readonly credentialId: string;
  readonly name: string;
  readonly kind: string;
  readonly provider: string;
  readonly status: 'active' | 'revoked';
  readonly expiresAt: Date | null;
  readonly revokedAt: Date | null;
  /** Agent UUIDs it is linked to; none means any agent of the tenant may use it. */
  readonly linkedAgentIds: readonly string[];
  readonly fingerprints: readonly { readonly fingerprint: string; readonly rotatedOutAt: Date | null }[];
}

export interface KnownAgent {
  readonly agentId: string;
  readonly name: string;
}

export interface InventoryAgentUse extends Omit<UsageRecord, 'fingerprint' | 'agentId'> {
  /** The agent as decisions name it (its name). */
  readonly agent: string;
  /** Its UUID, null when no agent of the tenant has that name (any more). */
  readonly agentId: string | null;
  /** Linked to the credential; null when the credential is unknown or linked to nobody (any agent may use it). */
  readonly linked: boolean | null;
}

export interface InventoryEntry {
  readonly fingerprint: string;
  readonly credential:
    | (Pick<KnownCredential, 'name' | 'kind' | 'provider' | 'status' | 'expiresAt' | 'revokedAt'> & {
        readonly id: string;
        /** When this fingerprint was rotated out of the credential, if it was. */
        readonly rotatedOutAt: Date | null;
        readonly linkedAgents: readonly string[];
      })
    | null;
  readonly firstSeenAt: Date;
  readonly lastSeenAt: Date;
  readonly calls: number;
  readonly denied: number;
  readonly regions: readonly string[];
  /** By agent name. */
  readonly agents: readonly InventoryAgentUse[];
  /** In INVENTORY_FINDINGS order. */
  readonly findings: readonly InventoryFinding[];
}

const byString = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** The inventory, one entry per fingerprint seen, sorted by fingerprint. */
export function buildInventory(usage: readonly UsageRecord[], credentials: readonly KnownCredential[], agents: readonly KnownAgent[]): InventoryEntry[] {
  const idByName = new Map(agents.map((a) => [a.name, a.agentId]));
  const nameById = new Map(agents.map((a) => [a.agentId, a.name]));
  // A fingerprint maps to the credential that holds it; a live one wins over a revoked one.
  const holder = new Map<string, { credential: KnownCredential; rotatedOutAt: Date | null }>();
  for (const c of credentials) {
    for (const f of c.fingerprints) {
      const seen = holder.get(f.fingerprint);
      if (seen === undefined || (seen.credential.status === 'revoked' && c.status === 'active')) holder.set(f.fingerprint, { credential: c, rotatedOutAt: f.rotatedOutAt });
    }
  }
  const byFingerprint = new Map<string, UsageRecord[]>();
  for (const u of usage) {
    let list = byFingerprint.get(u.fingerprint);
    if (list === undefined) byFingerprint.set(u.fingerprint, (list = []));
    list.push(u);
  }
  return [...byFingerprint.entries()]
    .sort(([a], [b]) => byString(a, b))
    .map(([fingerprint, uses]) => {
      const known = holder.get(fingerprint);
      const c = known?.credential;
      const linked = c === undefined || c.linkedAgentIds.length === 0 ? undefined : new Set(c.linkedAgentIds);
      const agentUses: InventoryAgentUse[] = uses
        .map((u) => {
          const agentId = idByName.get(u.agentId) ?? null;
          return {
            agent: u.agentId,
            agentId,
            linked: linked === undefined ? null : agentId !== null && linked.has(agentId),
            firstSeenAt: u.firstSeenAt,
            lastSeenAt: u.lastSeenAt,
            calls: u.calls,
            denied: u.denied,
            regions: u.regions,
            lastDecisionId: u.lastDecisionId,
          };
        })
        .sort((a, b) => byString(a.agent, b.agent));
      const firstSeenAt = new Date(Math.min(...uses.map((u) => u.firstSeenAt.getTime())));
      const lastSeenAt = new Date(Math.max(...uses.map((u) => u.lastSeenAt.getTime())));
      const found = new Set<InventoryFinding>();
      if (c === undefined) found.add('unknown');
      if (agentUses.length > 1) found.add('shared');
      if (c !== undefined && c.status === 'revoked' && c.revokedAt !== null && lastSeenAt >= c.revokedAt) found.add('revoked_in_use');
      if (known !== undefined && known.rotatedOutAt !== null) {
        if (lastSeenAt >= known.rotatedOutAt) found.add('rotated_out_in_use');
      } else if (c !== undefined && c.expiresAt !== null && lastSeenAt >= c.expiresAt) found.add('expired_in_use');
      if (agentUses.some((a) => a.linked === false)) found.add('unlinked_agent');
      return {
        fingerprint,
        credential:
          c === undefined
            ? null
            : {
                id: c.credentialId,
                name: c.name,
                kind: c.kind,
                provider: c.provider,
                status: c.status,
                expiresAt: c.expiresAt,
                revokedAt: c.revokedAt,
                rotatedOutAt: known?.rotatedOutAt ?? null,
                linkedAgents: c.linkedAgentIds.map((id) => nameById.get(id) ?? id).sort(byString),
              },
        firstSeenAt,
        lastSeenAt,
        calls: uses.reduce((n, u) => n + u.calls, 0),
        denied: uses.reduce((n, u) => n + u.denied, 0),
        regions: [...new Set(uses.flatMap((u) => u.regions))].sort(byString),
        agents: agentUses,
        findings: INVENTORY_FINDINGS.filter((f) => found.has(f)),
      };
    });
}

/** How many credentials have each finding. */
export function summarize(entries: readonly InventoryEntry[]): Record<InventoryFinding, number> & { credentials: number } {
  const counts = { credentials: entries.length } as Record<InventoryFinding, number> & { credentials: number };
  for (const f of INVENTORY_FINDINGS) counts[f] = entries.filter((e) => e.findings.includes(f)).length;
  return counts;
}
