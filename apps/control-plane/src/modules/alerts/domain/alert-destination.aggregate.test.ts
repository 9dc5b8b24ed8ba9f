import { describe, expect, it } from 'vitest';
import { AlertDestination, MAX_SECRET_GRACE_MS } from './alert-destination.aggregate.js';
import { TENANT } from './test-fixtures.js';

const now = new Date('2026-11-02T09:00:00.000Z');
const webhook = () =>
  AlertDestination.create(
    { destinationId: 'd1', tenantId: TENANT, name: ' soc ', kind: 'webhook', target: 'https://soc.example/…', urlCiphertext: 'u', syslog: null, secretCiphertext: 's1' },
    now,
  );

describe('AlertDestination', () => {
  it('is created with sealed values only, and a trimmed name', () => {
    const d = webhook();
    expect(d.name).toBe('soc');
    expect(d.uncommittedEvents[0]).toMatchObject({ type: 'alert_destination.created', payload: { urlCiphertext: 'u', secretCiphertext: 's1' } });
    expect(() =>
      AlertDestination.create({ destinationId: 'd2', tenantId: TENANT, name: '', kind: 'slack', target: 't', urlCiphertext: 'u', syslog: null, secretCiphertext: null }, now),
    ).toThrow(expect.objectContaining({ code: 'alert_destination.invalid_field', field: '/name' }));
    expect(() =>
      AlertDestination.create(
        { destinationId: 'd3', tenantId: TENANT, name: 'siem', kind: 'syslog', target: 't', urlCiphertext: null, syslog: { host: 'siem', port: 70_000, transport: 'tcp', facility: 10 }, secretCiphertext: null },
        now,
      ),
    ).toThrow(expect.objectContaining({ code: 'alert_destination.invalid_field', field: '/port' }));
  });

  it('rotates a webhook secret, keeping the previous one only for the grace asked', () => {
    const d = webhook();
    d.rotateSecret('s2', 0, now);
    d.rotateSecret('s3', 3_600_000, now);
    expect(d.uncommittedEvents.slice(1).map((e) => e.payload)).toEqual([
      { destinationId: 'd1', secretCiphertext: 's2', previousSecretCiphertext: null, previousSecretExpiresAt: null, rotatedAt: now.toISOString() },
      { destinationId: 'd1', secretCiphertext: 's3', previousSecretCiphertext: 's2', previousSecretExpiresAt: '2026-11-02T10:00:00.000Z', rotatedAt: now.toISOString() },
    ]);
    expect(() => d.rotateSecret('s4', MAX_SECRET_GRACE_MS + 1, now)).toThrow(expect.objectContaining({ code: 'alert_destination.invalid_field' }));
  });

  it('has no secret to rotate unless it is a webhook, and nothing to do once deleted', () => {
    const slack = AlertDestination.create(
      { destinationId: 'd4', tenantId: TENANT, name: 'slack', kind: 'slack', target: 't', urlCiphertext: 'u', syslog: null, secretCiphertext: null },
      now,
    );
    expect(() => slack.rotateSecret('s', 0, now)).toThrow(expect.objectContaining({ code: 'alert_destination.not_signed' }));
    const d = webhook();
    d.delete(now);
    d.delete(now);
    expect(d.uncommittedEvents.map((e) => e.type)).toEqual(['alert_destination.created', 'alert_destination.deleted']);
    expect(() => d.rotateSecret('s', 0, now)).toThrow(expect.objectContaining({ code: 'alert_destination.deleted' }));
  });
});
