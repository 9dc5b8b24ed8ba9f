import { openDatabase } from '@thoth/db';
import { parseVerifierKey } from '@thoth/merkle';
import { Command, InvalidArgumentError } from 'commander';
import { readFile } from 'node:fs/promises';
import { auditTenant } from './audit/audit.js';
import { DirectoryAnchor } from './checkpoint/anchor.js';
import { TENANT_ID } from './checkpoint/origin.js';
import { verifyEvidenceBundle } from './evidence/verify-bundle.js';

// `thoth verify` needs nothing but the bundle and a public key; `thoth audit` reads the ledger's
// database and the anchor. Exit codes: 0 verified / clean, 1 verification or audit failed, 2 misuse.

const program = new Command('thoth').description('Verify Thoth evidence offline and audit the ledger').exitOverride();

program
  .command('verify')
  .description('verify an evidence bundle offline with only the ledger verifier key')
  .argument('<bundle>', 'evidence bundle JSON file (or - for stdin)')
  .requiredOption('--key <verifier-key>', 'the ledger verifier key (<name>+<id>+<base64>), or @file to read it from a file')
  .option('--json', 'print the result as JSON')
  .action(async (bundlePath: string, options: { key: string; json?: boolean }) => {
    const key = options.key.startsWith('@') ? (await readFile(options.key.slice(1), 'utf8')).trim() : options.key;
    const bytes = bundlePath === '-' ? await readStdin() : new Uint8Array(await readFile(bundlePath));
    const result = verifyEvidenceBundle(bytes, key);
    if (options.json) {
      console.log(JSON.stringify(result.ok ? { ok: true, ...summary(result.value) } : result));
    } else if (result.ok) {
      const v = result.value;
      console.log(`verified: decision ${v.decisionId} of tenant ${v.tenantId} is entry ${v.leafIndex} of the log ${v.origin} at signed size ${v.treeSize}`);
    } else {
      console.error(`FAILED ${result.code}: ${result.reason}`);
    }
    process.exitCode = result.ok ? 0 : 1;
  });

program
  .command('audit')
  .description("recompute a tenant's Merkle roots from the rows and check every stored and anchored checkpoint")
  .requiredOption('--database-url <url>', 'postgres:// URL of the ledger database')
  .requiredOption('--tenant <id>', 'tenant id (UUID)', (v: string) => {
    if (!TENANT_ID.test(v)) throw new InvalidArgumentError('must be a lowercase UUID');
    return v;
  })
  .requiredOption('--anchor-dir <dir>', 'the directory anchor the ledger writes checkpoints to')
  .option('--key <verifier-key>', 'also check every checkpoint signature with this verifier key')
  .option('--json', 'print the report as JSON')
  .action(async (options: { databaseUrl: string; tenant: string; anchorDir: string; key?: string; json?: boolean }) => {
    let verifier;
    if (options.key !== undefined) {
      const parsed = parseVerifierKey(options.key);
      if (!parsed.ok) throw new InvalidArgumentError(`--key: ${parsed.reason}`);
      verifier = parsed.value;
    }
    const database = await openDatabase({ url: options.databaseUrl, maxConnections: 2 });
    try {
      const report = await auditTenant({
        sql: database.sql,
        tenantId: options.tenant,
        anchor: new DirectoryAnchor(options.anchorDir),
        ...(verifier ? { verifier } : {}),
      });
      if (options.json) {
        console.log(JSON.stringify(report, null, 2));
      } else {
        const head = `tenant ${report.tenantId}: ${report.entries} entries, ${report.storedCheckpoints} stored and ${report.anchoredCheckpoints} anchored checkpoints${report.signaturesChecked ? ', signatures checked' : ', signatures NOT checked (no --key)'}`;
        if (report.ok) {
          console.log(`audit ok — ${head}`);
        } else {
          console.error(`AUDIT FAILED — ${head}`);
          const first = report.firstBadEntry;
          if (first) console.error(`first bad entry: seq ${first.seq}${first.decisionId ? `, decision ${first.decisionId}` : ''} (${first.code})`);
          for (const f of report.findings) console.error(`  ${f.code}: ${f.message}`);
        }
      }
      process.exitCode = report.ok ? 0 : 1;
    } finally {
      await database.close();
    }
  });

function summary(v: { tenantId: string; decisionId: string; leafIndex: number; treeSize: number; origin: string }) {
  return { tenantId: v.tenantId, decisionId: v.decisionId, leafIndex: v.leafIndex, treeSize: v.treeSize, origin: v.origin };
}

async function readStdin(): Promise<Uint8Array> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return new Uint8Array(Buffer.concat(chunks));
}

try {
  await program.parseAsync(process.argv);
} catch (error) {
  const e = error as { code?: string; exitCode?: number; message: string };
  if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help') process.exit(0);
  if (!e.code?.startsWith('commander.')) console.error(`thoth: ${e.message}`);
  process.exit(2);
}
