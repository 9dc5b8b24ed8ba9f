import { describe, expect, it } from 'vitest';
import { InMemoryEventStore } from '../../../../event-store/in-memory-event-store.js';
import { verifiedApiKeyHash } from '@thoth/api-keys';
import { SignUpTenantCommand } from '../sign-up-tenant/sign-up-tenant.command.js';
import { SignUpTenantHandler } from '../sign-up-tenant/sign-up-tenant.handler.js';
import { IssueApiKeyCommand } from './issue-api-key.command.js';
import { IssueApiKeyHandler } from './issue-api-key.handler.js';

describe('IssueApiKeyHandler', () => {
  it('returns the key once and records only its hash, with the role', async () => {
    const store = new InMemoryEventStore();
    const clock = { now: () => new Date('2026-01-01T00:00:00Z') };
    const { tenantId } = await new SignUpTenantHandler(store, clock).execute(new SignUpTenantCommand('Acme', 'a@b.test', 'r0'));
    const issued = await new IssueApiKeyHandler(store, clock).execute(new IssueApiKeyCommand({ tenantId, actor: 'key:k1', requestId: 'r1' }, 'ci', 'policy_author'));
    expect(verifiedApiKeyHash(issued.key)).toBeDefined();
    expect(store.recorded.at(-1)).toMatchObject({
      type: 'tenant.api_key_issued',
      payload: { keyId: issued.keyId, role: 'policy_author', keyHash: verifiedApiKeyHash(issued.key), issuedAt: '2026-01-01T00:00:00.000Z' },
    });
    expect(JSON.stringify(store.recorded.map((e) => [e.payload, e.metadata]))).not.toContain(issued.key);
  });
});
