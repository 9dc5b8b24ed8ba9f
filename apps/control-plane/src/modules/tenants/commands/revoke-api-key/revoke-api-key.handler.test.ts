import { describe, expect, it } from 'vitest';
import { InMemoryEventStore } from '../../../../event-store/in-memory-event-store.js';
import { DomainError } from '../../../../shared/domain/domain-error.js';
import { IssueApiKeyCommand } from '../issue-api-key/issue-api-key.command.js';
import { IssueApiKeyHandler } from '../issue-api-key/issue-api-key.handler.js';
import { SignUpTenantCommand } from '../sign-up-tenant/sign-up-tenant.command.js';
import { SignUpTenantHandler } from '../sign-up-tenant/sign-up-tenant.handler.js';
import { RevokeApiKeyCommand } from './revoke-api-key.command.js';
import { RevokeApiKeyHandler } from './revoke-api-key.handler.js';

describe('RevokeApiKeyHandler', () => {
  it("revokes one of the tenant's keys, and knows no other tenant's", async () => {
    const store = new InMemoryEventStore();
    const clock = { now: () => new Date() };
    const a = await new SignUpTenantHandler(store, clock).execute(new SignUpTenantCommand('A', 'a@a.test', 'r0'));
    const b = await new SignUpTenantHandler(store, clock).execute(new SignUpTenantCommand('B', 'b@b.test', 'r0'));
    const callerA = { tenantId: a.tenantId, actor: `key:${a.apiKey.keyId}`, requestId: 'r1' };
    const issued = await new IssueApiKeyHandler(store, clock).execute(new IssueApiKeyCommand(callerA, 'ci', 'auditor'));
    const handler = new RevokeApiKeyHandler(store, clock);

    await handler.execute(new RevokeApiKeyCommand(callerA, issued.keyId));
    expect(store.recorded.at(-1)).toMatchObject({ type: 'tenant.api_key_revoked', payload: { keyId: issued.keyId } });
    await expect(handler.execute(new RevokeApiKeyCommand(callerA, b.apiKey.keyId))).rejects.toThrow(DomainError);
  });
});
