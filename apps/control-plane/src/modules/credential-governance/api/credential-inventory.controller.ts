import { Controller, Get, Inject } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import type { z } from 'zod';
import { ANY_ROLE, CurrentPrincipal, Roles, type Principal } from '../../../platform/auth/principal.js';
import { Operation, ValidQuery } from '../../../platform/openapi/operation.decorator.js';
import type { InventoryEntry, InventoryFinding } from '../domain/credential-inventory.js';
import { GetCredentialInventoryQuery } from '../queries/get-credential-inventory/get-credential-inventory.query.js';
import { InventoryQueryParams, InventoryResponse } from './credential-governance.dto.js';

const iso = (d: Date | null) => (d === null ? null : d.toISOString());

@Controller('credentials')
export class CredentialInventoryController {
  constructor(@Inject(QueryBus) private readonly queries: QueryBus) {}

  @Get('inventory')
  @Roles(...ANY_ROLE)
  @Operation({
    operationId: 'getCredentialInventory',
    summary:
      'Every credential fingerprint seen in decisions, with the agents that used it; findings: unknown, shared, revoked/expired/rotated out but still in use, used by an agent it is not linked to',
    tags: ['credentials'],
    query: InventoryQueryParams,
    responses: { 200: { description: 'The inventory, by fingerprint', schema: InventoryResponse } },
  })
  async inventory(
    @ValidQuery() query: z.output<typeof InventoryQueryParams>,
    @CurrentPrincipal() principal: Principal,
  ): Promise<z.output<typeof InventoryResponse>> {
    const page = await this.queries.execute(
      new GetCredentialInventoryQuery(principal.tenantId, {
        limit: query.limit,
        ...(query.finding !== undefined ? { finding: query.finding as InventoryFinding } : {}),
        ...(query.after !== undefined ? { after: query.after } : {}),
      }),
    );
    return { summary: page.summary, items: page.items.map(entryView), next: page.next };
  }
}

function entryView(e: InventoryEntry): z.output<typeof InventoryResponse>['items'][number] {
  return {
    fingerprint: e.fingerprint,
    credential: e.credential === null ? null : { ...e.credential, expiresAt: iso(e.credential.expiresAt), revokedAt: iso(e.credential.revokedAt), rotatedOutAt: iso(e.credential.rotatedOutAt), linkedAgents: [...e.credential.linkedAgents] },
    firstSeenAt: e.firstSeenAt.toISOString(),
    lastSeenAt: e.lastSeenAt.toISOString(),
    calls: e.calls,
    denied: e.denied,
    regions: [...e.regions],
    agents: e.agents.map((a) => ({ ...a, regions: [...a.regions], firstSeenAt: a.firstSeenAt.toISOString(), lastSeenAt: a.lastSeenAt.toISOString() })),
    findings: [...e.findings],
  };
}
