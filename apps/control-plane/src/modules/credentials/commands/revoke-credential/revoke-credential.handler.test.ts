import { describe, expect, it } from 'vitest';
import { InMemoryEventStore } from '../../../../event-store/in-memory-event-store.js';
import { fingerprintOfSecret } from '../../domain/fingerprint.js';
import { RegisterCredentialCommand } from '../register-credential/register-credential.command.js';
import { RegisterCredentialHandler } from '../register-credential/register-credential.handler.js';
import { RotateCredentialCommand } from '../rotate-credential/rotate-credential.command.js';
import { RotateCredentialHandler } from '../rotate-credential/rotate-credential.handler.js';
import { caller, clock, credentialInput, otherTenant } from '../test-fixtures.js';
import { RevokeCredentialCommand } from './revoke-credential.command.js';
import { RevokeCredentialHandler } from './revoke-credential.handler.js';

describe('RevokeCredentialHandler', () => {
  it('revokes for good; another tenant cannot find it', async () => {
    const store = new InMemoryEventStore();
    const { credentialId } = await new RegisterCredentialHandler(store, clock).execute(new RegisterCredentialCommand(caller, credentialInput()));
    const revoke = new RevokeCredentialHandler(store, clock);
    await expect(revoke.execute(new RevokeCredentialCommand(otherTenant, credentialId, null))).rejects.toMatchObject({ code: 'credential.not_found' });
    await revoke.execute(new RevokeCredentialCommand(caller, credentialId, 'leaked'));
    await expect(
      new RotateCredentialHandler(store, clock).execute(new RotateCredentialCommand(caller, credentialId, fingerprintOfSecret('x'), undefined)),
    ).rejects.toMatchObject({ code: 'credential.revoked', kind: 'conflict' });
    expect(store.recorded.at(-1)).toMatchObject({ type: 'credential.revoked', payload: { reason: 'leaked' } });
  });
});
