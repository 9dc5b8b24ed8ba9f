import { parseSignerKey, signCheckpoint } from '@thoth/merkle';
import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DirectoryAnchor } from '../../src/checkpoint/anchor.js';
import { tenantOrigin } from '../../src/checkpoint/origin.js';
import { startLedger, type RunningLedger } from '../../src/ledger.js';
import { decisionEvent, message, produce, type Producer } from '../support/decisions.js';
import { count, eventually, ledgerTestContext, orderedProducer, quietLog, type LedgerTestContext } from '../support/ledger-harness.js';

// After a restore the anchor may hold checkpoints signed after the backup (docs/backup-restore.md).
// A log re-folded into another tree must not be checkpointed past them: the fork is refused and
// reported. Here tenant A's anchor holds a checkpoint at size 15 that no fold of its decisions
// reaches (another root); tenant B's has none beyond its database.
const A = randomUUID();
const B = randomUUID();

describe('a checkpoint anchored beyond the database (after a restore)', () => {
  let ctx: LedgerTestContext;
  let producer: Producer;
  let ledger: RunningLedger | undefined;

  beforeAll(async () => {
    ctx = await ledgerTestContext('forkguard');
    await ctx.createTopic(1);
    await ctx.trust([A, B]);
    producer = await orderedProducer('ledger-forkguard-producer');
  });

  afterAll(async () => {
    await ledger?.stop();
    await producer?.disconnect();
    await ctx?.cleanup();
  });

  it('is never forked from: the tenant whose log differs is no longer checkpointed, and reported', async () => {
    const signer = parseSignerKey(ctx.signingKey);
    if (!signer.ok) throw new Error(signer.reason);
    const config = ctx.config();
    const forged = signCheckpoint({ origin: tenantOrigin(config.originPrefix, A), size: 15, rootHash: new Uint8Array(randomBytes(32)) }, [signer.value]);
    await new DirectoryAnchor(ctx.anchorDir).put(A, 15, forged);

    await produce(producer, ctx.topic, Array.from({ length: 40 }, (_, i) => message(decisionEvent(i % 2 === 0 ? A : B, i))));
    ledger = await startLedger(config, quietLog, {}, { api: false });
    await eventually(async () => (await count(ctx.owner, 'SELECT count(*) AS n FROM ledger_entries')) === 40, '40 entries folded');
    await eventually(async () => (await count(ctx.owner, 'SELECT count(*) AS n FROM ledger_checkpoints WHERE tenant_id = $1 AND size = 20', [B])) === 1, "B's checkpoint at 20");
    await eventually(async () => ledger!.checkpointer.status().forked.length === 1, 'the fork reported');

    expect(ledger.checkpointer.status().forked).toEqual([{ code: 'checkpoint.fork', tenantId: A, anchoredSize: 15 }]);
    // Nothing of A signed at or past the anchored checkpoint it does not pass through.
    expect(await count(ctx.owner, 'SELECT count(*) AS n FROM ledger_checkpoints WHERE tenant_id = $1 AND size >= 15', [A])).toBe(0);
    expect(await new DirectoryAnchor(ctx.anchorDir).list(A)).toEqual(expect.not.arrayContaining([20]));
  });
});
