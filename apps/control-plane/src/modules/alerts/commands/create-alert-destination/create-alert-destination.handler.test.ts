import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { AlertsConfig } from '../../../../config/config.js';
import { InMemoryEventStore } from '../../../../event-store/in-memory-event-store.js';
import type { Resolver } from '../../delivery/destination-address.js';
import type { AlertDestinationCreatedPayload } from '../../domain/events/index.js';
import type { AlertDestinationsRepository } from '../../storage/alert-destinations.repository.js';
import { SecretBox, sealContext } from '../../secrets/secret-box.js';
import { CreateAlertDestinationCommand } from './create-alert-destination.command.js';
import { CreateAlertDestinationHandler } from './create-alert-destination.handler.js';

const caller = { tenantId: 'c0ffee00-0000-4000-8000-000000000001', actor: 'key:k1', requestId: 'req-1' };
const clock = { now: () => new Date('2026-11-02T09:00:00.000Z') };
const box = new SecretBox(randomBytes(32));
const config = { allowPrivateNetworks: false } as AlertsConfig;
const publicDns: Resolver = async () => [{ address: '203.0.113.9', family: 4 }];
const destinations = (active = 0) => ({ countActive: async () => active }) as unknown as AlertDestinationsRepository;

const handler = (store: InMemoryEventStore, active = 0, resolver = publicDns) => new CreateAlertDestinationHandler(store, destinations(active), box, config, resolver, clock);

describe('CreateAlertDestinationHandler', () => {
  it('returns a fresh signing secret once and records only ciphertext', async () => {
    const store = new InMemoryEventStore();
    const url = 'https://soc.example/hooks/thoth?token=abc';
    const { destinationId, secret } = await handler(store).execute(new CreateAlertDestinationCommand(caller, { kind: 'webhook', name: 'soc', url }));
    expect(secret).toMatch(/^whsec_[\w-]{43}$/);
    const [event] = store.recorded;
    const payload = event!.payload as AlertDestinationCreatedPayload;
    expect(JSON.stringify(event!.payload)).not.toContain(secret!);
    expect(JSON.stringify(event!.payload)).not.toContain('token=abc');
    expect(payload.target).toBe('https://soc.example/…');
    expect(box.open(payload.secretCiphertext!, sealContext(caller.tenantId, destinationId, 'signing-secret'))).toBe(secret);
    expect(box.open(payload.urlCiphertext!, sealContext(caller.tenantId, destinationId, 'url'))).toBe(url);
  });

  it('refuses a name resolving to a private address, and a 26th destination, recording nothing', async () => {
    const store = new InMemoryEventStore();
    const internal: Resolver = async () => [{ address: '10.0.0.8', family: 4 }];
    await expect(handler(store, 0, internal).execute(new CreateAlertDestinationCommand(caller, { kind: 'slack', name: 's', url: 'https://hooks.example/x' }))).rejects.toMatchObject({
      code: 'alert_destination.private_address',
    });
    await expect(
      handler(store, 25).execute(new CreateAlertDestinationCommand(caller, { kind: 'syslog', name: 'siem', host: 'siem.example', port: 601, transport: 'tcp', facility: 10 })),
    ).rejects.toMatchObject({ code: 'alert_destination.limit_reached' });
    expect(store.recorded).toHaveLength(0);
  });
});
