import { Inject, Injectable } from '@nestjs/common';
import type { EnforcerAuthenticator, EnforcerIdentity } from './enforcer-status.js';
import { hashToken, isWellFormedToken } from '../../../shared/domain/secret-token.js';
import { EnforcersRepository } from '../storage/enforcers.repository.js';

/**
 * Checks the enforcer token of a config stream's Hello: shape and checksum first (a typo or a
 * forgery costs no lookup), then its SHA-256 against the registrations. A decommissioned
 * enforcer's token opens nothing. A registration belongs to one tenant.
 */
@Injectable()
export class EnforcerTokenAuthenticator implements EnforcerAuthenticator {
  constructor(@Inject(EnforcersRepository) private readonly enforcers: Pick<EnforcersRepository, 'findByTokenHash'>) {}

  async authenticate(token: string): Promise<EnforcerIdentity | undefined> {
    if (!isWellFormedToken('enforcer', token)) return undefined;
    const found = await this.enforcers.findByTokenHash(hashToken(token));
    if (!found || found.status !== 'active') return undefined;
    return { enforcerId: found.enforcerId, tenantIds: [found.tenantId] };
  }
}
