import type { InventoryEntry, InventoryFinding } from '../../credential-governance/index.js';

/**
 * The report's order of credential governance's findings (its INVENTORY_FINDINGS order). A
 * Record, so a finding added there fails to compile until it has its place here: the domain
 * reads another context's types only, never its values (which would load its Nest module).
 */
const FINDING_RANK: Readonly<Record<InventoryFinding, number>> = {
  unknown: 0,
  shared: 1,
  revoked_in_use: 2,
  expired_in_use: 3,
  rotated_out_in_use: 4,
  unlinked_agent: 5,
};
const FINDINGS = (Object.keys(FINDING_RANK) as InventoryFinding[]).sort((a, b) => FINDING_RANK[a] - FINDING_RANK[b]);

/** Findings listed in a report; the counts cover them all. */
export const LISTED_CREDENTIAL_FINDINGS = 200;

export interface CredentialFindingAgent {
  /** As decisions name it. */
  readonly agent: string;
  /** Linked to the credential; null when it is unknown or linked to nobody (any agent may use it). */
  readonly linked: boolean | null;
  readonly calls: number;
  readonly firstSeen: string;
  readonly lastSeen: string;
}

/** One finding of one credential over the report's window. */
export interface CredentialFinding {
  readonly kind: InventoryFinding;
  /** SHA-256 of the credential, in full. */
  readonly fingerprint: string;
  /** As registered now; null for an unknown credential. */
  readonly credential: { readonly id: string; readonly name: string; readonly status: 'active' | 'revoked' } | null;
  /** When the credential stopped being valid: revoked, expired or rotated out; null for the other kinds. */
  readonly since: string | null;
  /** The agents the finding is about: for unlinked_agent, only the agents it is not linked to; else every agent that used it. */
  readonly agents: readonly CredentialFindingAgent[];
  /** Over those agents, in the window. */
  readonly calls: number;
  readonly firstSeen: string;
  readonly lastSeen: string;
}

export interface CredentialFindings {
  /** Credentials with each finding (a credential can have several). */
  readonly counts: Readonly<Record<InventoryFinding, number>>;
  /** By kind (in FINDING_RANK order), most calls first, then by fingerprint; at most LISTED_CREDENTIAL_FINDINGS. */
  readonly items: readonly CredentialFinding[];
  /** Findings not listed. */
  readonly unlisted: number;
}

/**
 * The findings of the credential inventory of a window's usage (credential governance
 * classifies; this only lays them out), one per credential and kind.
 */
export function credentialFindings(inventory: readonly InventoryEntry[]): CredentialFindings {
  const iso = (d: Date) => d.toISOString();
  const counts = Object.fromEntries(FINDINGS.map((f) => [f, 0])) as Record<InventoryFinding, number>;
  const all: CredentialFinding[] = [];
  for (const entry of inventory) {
    for (const kind of entry.findings) {
      counts[kind]++;
      const uses = kind === 'unlinked_agent' ? entry.agents.filter((a) => a.linked === false) : entry.agents;
      const c = entry.credential;
      const since = kind === 'revoked_in_use' ? c?.revokedAt : kind === 'expired_in_use' ? c?.expiresAt : kind === 'rotated_out_in_use' ? c?.rotatedOutAt : null;
      all.push({
        kind,
        fingerprint: entry.fingerprint,
        credential: c === null ? null : { id: c.id, name: c.name, status: c.status },
        since: since ? iso(since) : null,
        agents: uses.map((a) => ({ agent: a.agent, linked: a.linked, calls: a.calls, firstSeen: iso(a.firstSeenAt), lastSeen: iso(a.lastSeenAt) })),
        calls: uses.reduce((n, a) => n + a.calls, 0),
        firstSeen: iso(new Date(Math.min(...uses.map((a) => a.firstSeenAt.getTime())))),
        lastSeen: iso(new Date(Math.max(...uses.map((a) => a.lastSeenAt.getTime())))),
      });
    }
  }
  all.sort((a, b) => FINDING_RANK[a.kind] - FINDING_RANK[b.kind] || b.calls - a.calls || (a.fingerprint < b.fingerprint ? -1 : a.fingerprint > b.fingerprint ? 1 : 0));
  return { counts, items: all.slice(0, LISTED_CREDENTIAL_FINDINGS), unlisted: Math.max(0, all.length - LISTED_CREDENTIAL_FINDINGS) };
}
