import { describe, expect, it } from 'vitest';
import { hashToken, issueToken } from '../../../shared/domain/secret-token.js';
import { EnforcerTokenAuthenticator } from './enforcer-token.authenticator.js';

describe('EnforcerTokenAuthenticator', () => {
  const token = issueToken('enforcer').secret;
  const lookups: string[] = [];
  const repository = {
    findByTokenHash: async (hash: string) => {
      lookups.push(hash);
      return hash === hashToken(token) ? { enforcerId: 'e1', tenantId: 't1', status: 'active' } : undefined;
    },
  };

  it('answers the registration and its tenant for a known token', async () => {
    expect(await new EnforcerTokenAuthenticator(repository).authenticate(token)).toEqual({ enforcerId: 'e1', tenantIds: ['t1'] });
  });

  it('refuses malformed tokens without a lookup, and unknown or decommissioned ones', async () => {
    lookups.length = 0;
    const auth = new EnforcerTokenAuthenticator(repository);
    expect(await auth.authenticate(token.slice(0, -1) + (token.endsWith('a') ? 'b' : 'a'))).toBeUndefined();
    expect(await auth.authenticate(issueToken('agent').secret)).toBeUndefined();
    expect(lookups).toEqual([]);
    expect(await auth.authenticate(issueToken('enforcer').secret)).toBeUndefined();
    const retired = new EnforcerTokenAuthenticator({ findByTokenHash: async () => ({ enforcerId: 'e1', tenantId: 't1', status: 'decommissioned' }) });
    expect(await retired.authenticate(token)).toBeUndefined();
  });
});
