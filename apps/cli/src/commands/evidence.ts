import { openDatabase } from '@thoth/db';
import { auditTenant, DirectoryAnchor, TENANT_ID, verifyEvidenceBundle } from '@thoth/ledger/offline';
import { parseVerifierKey, type NoteVerifier } from '@thoth/merkle';
import { Command } from 'commander';
import { readFile, writeFile } from 'node:fs/promises';
import type { Environment } from '../config/environment.js';
import { contextOf } from '../context.js';
import { readStdin } from '../input/stdin.js';
import { CliError, EXIT } from '../output/cli-error.js';
import { readSource } from '../policy-tests/test-file.js';

/**
 * `thoth evidence` fetches a decision's evidence bundle from the ledger's API; `thoth verify`
 * needs nothing but a bundle and the ledger's public key; `thoth audit` reads the ledger's
 * database and the anchor and recomputes every root from the rows. The checks exit 1 when what
 * they check does not hold.
 */
export function evidenceCommand(env: Environment): Command {
  return new Command('evidence')
    .description("fetch a decision's evidence bundle from the ledger's API (the profile's ledger URL), to check with thoth verify")
    .argument('<decision>', 'decision id')
    .option('--out <file>', 'write the bundle to this file instead of stdout')
    .action(async (decisionId: string, options: { out?: string }, command: Command) => {
      const ctx = contextOf(command, env);
      const bundle = await (await ctx.ledger()).get<unknown>(`/v1/decisions/${encodeURIComponent(decisionId)}/evidence`);
      if (options.out === undefined) {
        ctx.out.result(bundle, () => JSON.stringify(bundle, null, 2));
        return;
      }
      await writeFile(options.out, `${JSON.stringify(bundle, null, 2)}\n`);
      ctx.out.result({ decisionId, file: options.out }, () => `evidence of ${decisionId} written to ${options.out}`);
    });
}

export function verifyCommand(env: Environment): Command {
  return new Command('verify')
    .description('verify an evidence bundle offline with only the ledger verifier key')
    .argument('<bundle>', 'evidence bundle JSON file (or - for stdin)')
    .requiredOption('--key <verifier-key>', 'the ledger verifier key (<name>+<id>+<base64>), or @file to read it from a file')
    .action(async (bundlePath: string, options: { key: string }, command: Command) => {
      const ctx = contextOf(command, env);
      const key = options.key.startsWith('@') ? (await readSource(options.key.slice(1))).trim() : options.key;
      const bytes = bundlePath === '-' ? new Uint8Array(await readStdin()) : new Uint8Array(await readFile(bundlePath).catch(() => unreadable(bundlePath)));
      const result = verifyEvidenceBundle(bytes, key);
      if (result.ok) {
        const v = result.value;
        ctx.out.result(
          { ok: true, tenantId: v.tenantId, decisionId: v.decisionId, leafIndex: v.leafIndex, treeSize: v.treeSize, origin: v.origin },
          () => `verified: decision ${v.decisionId} of tenant ${v.tenantId} is entry ${v.leafIndex} of the log ${v.origin} at signed size ${v.treeSize}`,
        );
      } else {
        ctx.out.result(result, () => []);
        ctx.out.failure([`FAILED ${result.code}: ${result.reason}`]);
        process.exitCode = EXIT.failed;
      }
    });
}

export function auditCommand(env: Environment): Command {
  return new Command('audit')
    .description("recompute a tenant's Merkle roots from the rows and check every stored and anchored checkpoint")
    .requiredOption('--database-url <url>', 'postgres:// URL of the ledger database')
    .requiredOption('--tenant <id>', 'tenant id (UUID)', (v: string) => {
      if (!TENANT_ID.test(v)) throw new CliError('usage.tenant', '--tenant: must be a lowercase UUID', EXIT.usage);
      return v;
    })
    .requiredOption('--anchor-dir <dir>', 'the directory anchor the ledger writes checkpoints to')
    .option('--key <verifier-key>', 'also check every checkpoint signature with this verifier key')
    .action(async (options: { databaseUrl: string; tenant: string; anchorDir: string; key?: string }, command: Command) => {
      const ctx = contextOf(command, env);
      let verifier: NoteVerifier | undefined;
      if (options.key !== undefined) {
        const parsed = parseVerifierKey(options.key);
        if (!parsed.ok) throw new CliError('usage.key', `--key: ${parsed.reason}`, EXIT.usage);
        verifier = parsed.value;
      }
      const database = await openDatabase({ url: options.databaseUrl, maxConnections: 2 });
      try {
        const report = await ctx.out.progress('recomputing the log', () =>
          auditTenant({ sql: database.sql, tenantId: options.tenant, anchor: new DirectoryAnchor(options.anchorDir), ...(verifier ? { verifier } : {}) }),
        );
        const head = `tenant ${report.tenantId}: ${report.entries} entries, ${report.storedCheckpoints} stored and ${report.anchoredCheckpoints} anchored checkpoints${report.signaturesChecked ? ', signatures checked' : ', signatures NOT checked (no --key)'}`;
        if (report.ok) {
          ctx.out.result(report, () => `audit ok — ${head}`);
        } else {
          ctx.out.result(report, () => []);
          const first = report.firstBadEntry;
          const lines = [`AUDIT FAILED — ${head}`];
          if (first) lines.push(`first bad entry: seq ${first.seq}${first.decisionId ? `, decision ${first.decisionId}` : ''} (${first.code})`);
          for (const f of report.findings) lines.push(`  ${f.code}: ${f.message}`);
          ctx.out.failure(lines);
          process.exitCode = EXIT.failed;
        }
      } finally {
        await database.close();
      }
    });
}

function unreadable(path: string): never {
  throw new CliError('file.unreadable', `cannot read ${path}`, EXIT.usage);
}
