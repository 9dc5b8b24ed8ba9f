/** The C2SP checkpoint origin of a tenant's log: one log per tenant, named under the ledger's prefix. */
export function tenantOrigin(prefix: string, tenantId: string): string {
  return `${prefix}/${tenantId}`;
}

export const TENANT_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
