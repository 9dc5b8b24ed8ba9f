import { strictLimitBudgets, strictLimitLeases } from '@thoth/db';
import type { StrictLimit } from '@thoth/policy';
import { and, eq, inArray, isNull, sql } from 'drizzle-orm';
import { randomUUID } from 'node:crypto';
import type { TenantDatabase } from '../../platform/database/tenant-database.js';
import { budgetAt, chargeOf, grantOf, type LeaseCharge } from './strict-budget.js';

export interface GrantInput {
  readonly tenantId: string;
  readonly key: string;
  readonly limit: StrictLimit;
  /** The registration (from the token) and the process that asked. */
  readonly enforcerId: string;
  readonly instanceId: string;
  readonly want: { readonly calls: number; readonly records: number };
  /** The lease the enforcer held for the key, and what it used of it. */
  readonly settle?: { readonly leaseId: string; readonly usedCalls: number; readonly usedRecords: number };
  readonly ttlMs: number;
  readonly now: number;
}

export interface GrantResult {
  /** Undefined: nothing granted. */
  readonly leaseId: string | undefined;
  readonly calls: number;
  readonly records: number;
  readonly expiresAt: number;
  /** When nothing was granted for want of budget: when the oldest charge leaves the window. */
  readonly retryAt: number | undefined;
}

/**
 * Strict limits' leases in Postgres (strict_limit_budgets, strict_limit_leases), in the tenant's
 * transaction. One grant is one short transaction that first locks the key's budget row, so grants
 * of a key are serialized across every control-plane replica and never over-grant
 * (strict-budget.ts states the invariant).
 */
export class StrictLimitLeaseRepository {
  constructor(private readonly db: TenantDatabase) {}

  grant(input: GrantInput): Promise<GrantResult> {
    const { tenantId, limit, now } = input;
    const key = Buffer.from(input.key, 'utf8');
    const at = new Date(now);
    return this.db.transaction(tenantId, async (tx) => {
      // The row lock: ON CONFLICT DO UPDATE holds the key's row until commit.
      await tx
        .insert(strictLimitBudgets)
        .values({ tenantId, key, limitId: limit.id, lastGrantAt: at })
        .onConflictDoUpdate({ target: [strictLimitBudgets.tenantId, strictLimitBudgets.key], set: { lastGrantAt: at } });
      if (input.settle) {
        // Only the caller's own open lease of this key; what it says it used is at most what it got.
        await tx
          .update(strictLimitLeases)
          .set({
            settledAt: at,
            usedCalls: sql`LEAST(${strictLimitLeases.grantedCalls}, ${input.settle.usedCalls})`,
            usedRecords: sql`LEAST(${strictLimitLeases.grantedRecords}, ${input.settle.usedRecords})`,
          })
          .where(
            and(
              eq(strictLimitLeases.tenantId, tenantId),
              eq(strictLimitLeases.leaseId, input.settle.leaseId),
              eq(strictLimitLeases.key, key),
              eq(strictLimitLeases.enforcerId, input.enforcerId),
              isNull(strictLimitLeases.settledAt),
            ),
          );
      }
      const rows = await tx
        .select({
          leaseId: strictLimitLeases.leaseId,
          grantedCalls: strictLimitLeases.grantedCalls,
          grantedRecords: strictLimitLeases.grantedRecords,
          usedCalls: strictLimitLeases.usedCalls,
          usedRecords: strictLimitLeases.usedRecords,
          expiresAt: strictLimitLeases.expiresAt,
          settledAt: strictLimitLeases.settledAt,
        })
        .from(strictLimitLeases)
        .where(and(eq(strictLimitLeases.tenantId, tenantId), eq(strictLimitLeases.key, key)));
      const leases = rows.map((r) => ({ leaseId: r.leaseId, ...charge(r) }));
      // Leases no longer charging anything are gone for good: keep the key's rows few.
      const ended = leases.filter((l) => chargeOf(l, limit.windowMs, now).until <= now).map((l) => l.leaseId);
      if (ended.length > 0) await tx.delete(strictLimitLeases).where(and(eq(strictLimitLeases.tenantId, tenantId), inArray(strictLimitLeases.leaseId, ended)));
      const budget = budgetAt(leases, limit, now);
      const granted = grantOf(input.want, budget, limit);
      const expiresAt = now + input.ttlMs;
      if (granted.calls === 0 && granted.records === 0) {
        const exhausted = input.want.calls > 0 || input.want.records > 0;
        return { leaseId: undefined, calls: 0, records: 0, expiresAt, retryAt: exhausted ? (budget.nextRelease ?? now) : undefined };
      }
      const leaseId = randomUUID();
      await tx.insert(strictLimitLeases).values({
        tenantId,
        leaseId,
        key,
        limitId: limit.id,
        enforcerId: input.enforcerId,
        instanceId: input.instanceId,
        grantedCalls: granted.calls,
        grantedRecords: granted.records,
        grantedAt: at,
        expiresAt: new Date(expiresAt),
      });
      return { leaseId, calls: granted.calls, records: granted.records, expiresAt, retryAt: undefined };
    });
  }
}

function charge(r: { grantedCalls: number; grantedRecords: number; usedCalls: number | null; usedRecords: number | null; expiresAt: Date; settledAt: Date | null }): LeaseCharge {
  return {
    grantedCalls: r.grantedCalls,
    grantedRecords: r.grantedRecords,
    usedCalls: r.usedCalls,
    usedRecords: r.usedRecords,
    expiresAt: r.expiresAt.getTime(),
    settledAt: r.settledAt === null ? null : r.settledAt.getTime(),
  };
}
