import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { RecordedEvent } from '../../../shared/domain/domain-event.js';
import { recordedEvents, thrownBy } from '../../../shared/domain/test-fixtures.js';
import type { PolicyEvent } from './events/index.js';
import { Policy } from './policy.aggregate.js';
import { PolicyError, StalePolicyVersionError } from './policy.errors.js';
import { policyContentHash, validatePolicySource } from './policy-source.js';
import { invalidPolicy as invalid, policyV1 } from './test-fixtures.js';

const tenantId = 'c0ffee00-0000-4000-8000-000000000001';
const t0 = new Date('2025-07-14T09:00:00Z');
const t1 = new Date('2025-07-14T10:00:00Z');

const policyV2 = policyV1.replace('version: "1"', 'version: "2"').replace('["crm.drop_table"]', '["crm.drop_table", "crm.truncate_*"]');

const recorded = (events: readonly PolicyEvent[], after = 0): RecordedEvent[] => recordedEvents(events, { tenantId, streamId: `policy-${tenantId}`, recordedAt: t0 }, after);

const caught = (fn: () => unknown): PolicyError | undefined => thrownBy(fn, PolicyError);

describe('policy sources', () => {
  it('validate with the engine: a dry run with every error located by line and column', () => {
    const ok = validatePolicySource(policyV1, 'yaml');
    expect(ok).toMatchObject({ ok: true, contentHash: policyContentHash(policyV1), document: { name: 'crm-guardrails', version: '1' }, size: { rules: 1 } });
    const bad = validatePolicySource(invalid, 'yaml');
    expect(bad.ok).toBe(false);
    if (bad.ok) return;
    expect(bad.errors[0]).toMatchObject({ code: 'schema.enum', path: '/rules/0/effect', line: 12 });
    expect(bad.errors[0]?.column).toBeGreaterThan(0);
  });

  it('accept the shipped example policy', () => {
    const example = readFileSync(new URL('../../../../../../libs/policy/examples/crm-guardrails.policy.yaml', import.meta.url), 'utf8');
    expect(validatePolicySource(example, 'yaml')).toMatchObject({ ok: true, document: { name: 'crm-guardrails' } });
  });

  it('refuse strict JSON that is not JSON, and oversized sources', () => {
    expect(validatePolicySource(policyV1, 'json').ok).toBe(false);
    const huge = validatePolicySource(`# ${'x'.repeat(1024 * 1024)}\n${policyV1}`, 'yaml');
    expect(huge.ok === false && huge.errors[0]?.code).toBe('policy.too_large');
  });
});

describe('Policy', () => {
  it('publishes version 1, 2… with the source, its hash and the document metadata', () => {
    const policy = Policy.empty(tenantId);
    expect(policy.currentVersion).toBe(0);
    const v1 = policy.publish({ source: policyV1, format: 'yaml', expectedVersion: 0 }, t0);
    expect(v1).toMatchObject({ version: 1, contentHash: policyContentHash(policyV1), rolledBackTo: null });
    policy.publish({ source: policyV2, format: 'yaml', expectedVersion: 1 }, t1);
    expect(policy.currentVersion).toBe(2);
    expect(policy.uncommittedEvents.map((e) => [e.type, e.schemaVersion])).toEqual([
      ['policy.version_published', 1],
      ['policy.version_published', 1],
    ]);
    expect(policy.uncommittedEvents[1]?.payload).toMatchObject({ version: 2, documentName: 'crm-guardrails', documentVersion: '2', publishedAt: t1.toISOString() });
    expect(policy.mode).toBe('enforce');
  });

  it('refuses an invalid source with every engine error attached, and records nothing', () => {
    const policy = Policy.empty(tenantId);
    const err = caught(() => policy.publish({ source: invalid, format: 'yaml', expectedVersion: 0 }, t0));
    expect(err?.code).toBe('policy.invalid');
    expect(err?.kind).toBe('invalid');
    expect(err?.errors?.[0]).toMatchObject({ code: 'schema.enum', line: 12 });
    expect(policy.uncommittedEvents).toHaveLength(0);
  });

  it('refuses a stale expected version (If-Match) as a conflict', () => {
    const policy = Policy.empty(tenantId);
    policy.publish({ source: policyV1, format: 'yaml', expectedVersion: 0 }, t0);
    const err = caught(() => policy.publish({ source: policyV2, format: 'yaml', expectedVersion: 0 }, t1));
    expect(err).toBeInstanceOf(StalePolicyVersionError);
    expect(err).toMatchObject({ code: 'policy.version_stale', kind: 'conflict', expectedVersion: 0, currentVersion: 1 });
  });

  it('refuses to publish the content it already has', () => {
    const policy = Policy.empty(tenantId);
    policy.publish({ source: policyV1, format: 'yaml' }, t0);
    expect(caught(() => policy.publish({ source: policyV1, format: 'yaml' }, t1))?.code).toBe('policy.unchanged');
  });

  it('rolls back by publishing a new version with the old content; versions only go up', () => {
    const policy = Policy.empty(tenantId);
    policy.publish({ source: policyV1, format: 'yaml' }, t0);
    policy.publish({ source: policyV2, format: 'yaml' }, t0);
    const v3 = policy.rollBack({ toVersion: 1, expectedVersion: 2 }, t1);
    expect(v3).toMatchObject({ version: 3, rolledBackTo: 1, source: policyV1, contentHash: policyContentHash(policyV1) });
    expect(policy.uncommittedEvents.at(-1)?.type).toBe('policy.rolled_back');
    expect(caught(() => policy.rollBack({ toVersion: 1 }, t1))?.code).toBe('policy.unchanged');
    expect(caught(() => policy.rollBack({ toVersion: 9 }, t1))?.code).toBe('policy.version_not_found');
    expect(caught(() => policy.rollBack({ toVersion: 0 }, t1))?.code).toBe('policy.version_not_found');
    expect(caught(() => policy.rollBack({ toVersion: 2, expectedVersion: 2 }, t1))?.code).toBe('policy.version_stale');
  });

  it('switches mode between shadow and enforce once something is published', () => {
    const policy = Policy.empty(tenantId);
    expect(caught(() => policy.setMode('shadow', t0))?.code).toBe('policy.not_found');
    policy.publish({ source: policyV1, format: 'yaml' }, t0);
    policy.setMode('shadow', t1);
    policy.setMode('shadow', t1);
    expect(policy.mode).toBe('shadow');
    expect(policy.uncommittedEvents.at(-1)?.payload).toMatchObject({ mode: 'shadow', previousMode: 'enforce' });
    expect(policy.uncommittedEvents).toHaveLength(2);
  });

  it('rebuilds the same versions and mode from its history', () => {
    const live = Policy.empty(tenantId);
    live.publish({ source: policyV1, format: 'yaml' }, t0);
    live.publish({ source: policyV2, format: 'yaml' }, t0);
    live.setMode('shadow', t1);
    live.rollBack({ toVersion: 1 }, t1);
    const rebuilt = Policy.fromHistory(tenantId, recorded(live.uncommittedEvents));
    expect(rebuilt.versions).toEqual(live.versions);
    expect(rebuilt.mode).toBe('shadow');
    expect(rebuilt.version).toBe(4);
    expect(rebuilt.currentVersion).toBe(3);
    expect(rebuilt.versionAt(2).source).toBe(policyV2);
    expect(caught(() => rebuilt.versionAt(4))?.code).toBe('policy.version_not_found');
  });
});
