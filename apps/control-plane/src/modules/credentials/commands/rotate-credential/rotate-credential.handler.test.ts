import { describe, expect, it } from 'vitest';
import { ConcurrencyError } from '../../../../event-store/concurrency.error.js';
import { InMemoryEventStore } from '../../../../event-store/in-memory-event-store.js';
import { fingerprintOfSecret } from '../../domain/fingerprint.js';
import { RegisterCredentialCommand } from '../register-credential/register-credential.command.js';
import { RegisterCredentialHandler } from '../register-credential/register-credential.handler.js';
import { caller, clock, credentialInput } from '../test-fixtures.js';
import { RotateCredentialCommand } from './rotate-credential.command.js';
import { RotateCredentialHandler } from './rotate-credential.handler.js';

describe('RotateCredentialHandler', () => {
  it('rotates to a new fingerprint under If-Match, recording the old one', async () => {
    const store = new InMemoryEventStore();
    const { credentialId } = await new RegisterCredentialHandler(store, clock).execute(new RegisterCredentialCommand(caller, credentialInput()));
    const rotate = new RotateCredentialHandler(store, clock);
    await rotate.execute(new RotateCredentialCommand(caller, credentialId, fingerprintOfSecret('sf-token-2'), undefined, 1));
    expect(store.recorded.at(-1)).toMatchObject({
      type: 'credential.rotated',
      payload: { fingerprint: fingerprintOfSecret('sf-token-2'), previousFingerprint: fingerprintOfSecret('sf-token-1') },
    });
    await expect(rotate.execute(new RotateCredentialCommand(caller, credentialId, fingerprintOfSecret('sf-token-3'), undefined, 1))).rejects.toBeInstanceOf(ConcurrencyError);
    await expect(rotate.execute(new RotateCredentialCommand(caller, credentialId, fingerprintOfSecret('sf-token-1'), undefined))).rejects.toMatchObject({
      code: 'credential.fingerprint_reused',
    });
  });
});
