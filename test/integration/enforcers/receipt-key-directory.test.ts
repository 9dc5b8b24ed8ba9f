// The receipt key directory the ledger reads is published at least once, keys recorded before its
// publisher existed included: a control plane without a directory topic records an enforcer's
// announced key; a control plane started later on the same database, with a directory topic,
// publishes it at start, signed with its snapshot key, and a ledger's directory reader learns it.
// Seen failing with the publisher's resync at start removed: the ledger's directory never learned
// the key (timed out), since no enforcer event of the tenant was heard after the restart.
import { generateSigningKey, keyring, publicKeyBase64, ReceiptKeyDirectory, signerFromSeed, verifierFromPublicKey } from '@thoth/snapshot';
import { createTestTopics, testKafkaConnection, withDatabase } from '@thoth/testing';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { call, createAppLoginRole, startControlPlane } from '../../../apps/control-plane/test/integration/support/control-plane.js';
import { ledgerTestContext, quietLog, type LedgerTestContext } from '../../../apps/ledger/test/support/ledger-harness.js';
import { startReceiptKeyConsumer } from '../../../libs/kafka/src/index.js';
import { crmTenant, edgeControlPlaneConfig, startEdgeEnforcer } from '../credential-governance/governed-edge.js';
import { POLICY_V1, waitFor } from './harness.js';

describe('the receipt key directory', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'thoth-receipt-keys-'));
  const cpSigningKey = generateSigningKey();
  const enforcerSigner = signerFromSeed(generateSigningKey());
  const cleanups: Array<() => Promise<unknown>> = [];
  let ctx: LedgerTestContext;

  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
    await ctx?.cleanup();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('carries keys recorded before its publisher started, signed by the control plane', async () => {
    ctx = await ledgerTestContext(`receipt_keys_${randomBytes(2).toString('hex')}`);
    const role = await createAppLoginRole();
    cleanups.push(() => role.drop());
    const database = withDatabase(role.url, new URL(ctx.ownerUrl).pathname.slice(1));
    const [topic] = (await createTestTopics([{ name: `receipt-keys-decisions-${randomBytes(3).toString('hex')}`, numPartitions: 1 }])) as [string];

    // 1. No directory topic: the enforcer's key is recorded, and published nowhere.
    const before = await startControlPlane(database, edgeControlPlaneConfig({ dataDir, signingKey: cpSigningKey, topic, group: 'receipt-keys' }));
    const { agents: _, ...tenant } = await crmTenant(before, 'Keys', POLICY_V1);
    const enforcer = await startEdgeEnforcer(before, tenant.key, { topic, signer: enforcerSigner });
    await waitFor('the announced key to be recorded', async () => {
      const listed = await call(before.url, 'GET', '/v1/enforcers', { key: tenant.key });
      return (listed.body.items as Array<{ receiptKeys: Array<{ keyId: string }> }>).some((e) => e.receiptKeys.some((k) => k.keyId === enforcerSigner.keyId));
    });
    await enforcer.stop({ drainTimeoutMs: 5_000 });
    await before.close();

    // 2. A control plane with the directory topic publishes it at start; a ledger's reader believes it.
    const after = await startControlPlane(database, edgeControlPlaneConfig({ dataDir, signingKey: cpSigningKey, topic, group: 'receipt-keys', receiptKeysTopic: ctx.receiptKeysTopic }));
    cleanups.push(() => after.close());
    const trusted = keyring([verifierFromPublicKey(publicKeyBase64(signerFromSeed(cpSigningKey)))]);
    const directory = new ReceiptKeyDirectory(trusted, quietLog);
    const reader = await startReceiptKeyConsumer(directory, { connection: testKafkaConnection(), topic: ctx.receiptKeysTopic, groupId: ctx.group, log: quietLog });
    cleanups.push(() => reader.stop());
    await waitFor('the ledger side to learn the key', () => directory.keysOf(tenant.tenantId).has(enforcerSigner.keyId), 30_000);
    expect(directory.keysOf(tenant.tenantId).announcedBy(enforcerSigner.keyId, 'edge-1')).toBe(true);
    expect(directory.refused()).toEqual({});
  });
});
