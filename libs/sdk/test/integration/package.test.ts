import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// Issue 21: @thoth/sdk is publishable as it is. `pnpm pack` (which builds it: prepack) makes the
// tarball; a scratch project outside the workspace installs it with pnpm from the local store
// (network only for what the store lacks), then plain node imports every entry point and tsc
// type-checks a use of its declarations, as an agent developer's project would.
const run = promisify(execFile);
const SDK = fileURLToPath(new URL('../..', import.meta.url));
const TSC = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const manifest = JSON.parse(readFileSync(join(SDK, 'package.json'), 'utf8')) as {
  devDependencies: Record<string, string>;
  peerDependencies: Record<string, string>;
  publishConfig: { exports: Record<string, unknown> };
};
/** What each entry point must export (a value: its presence proves the module loaded whole). */
const ENTRY_POINTS: Record<string, string[]> = {
  '@thoth/sdk': ['Thoth', 'ThothClient', 'guard', 'ThothDeniedError', 'credentialFingerprint'],
  '@thoth/sdk/mcp': ['guardMcpClient', 'createGuardingProxy'],
  '@thoth/sdk/ai': ['guardTools', 'guardTool'],
  '@thoth/sdk/openai-agents': ['guardAgentTool', 'guardAgentTools'],
  '@thoth/sdk/langchain': ['guardLangChainTool', 'guardLangChainTools'],
};

/** The version of a package the workspace tests the SDK with. */
const installedVersion = (name: string) => (JSON.parse(readFileSync(join(SDK, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;

describe('the packed @thoth/sdk, installed in a project of its own', () => {
  const scratch = mkdtempSync(join(tmpdir(), 'thoth-sdk-pack-'));
  const project = join(scratch, 'agent');
  let packed: Record<string, unknown>;
  let files: string[];

  beforeAll(async () => {
    await run('pnpm', ['pack', '--pack-destination', scratch], { cwd: SDK });
    const [tarball] = readdirSync(scratch).filter((f) => f.endsWith('.tgz'));
    await run('tar', ['-xzf', join(scratch, tarball!), '-C', scratch]);
    packed = JSON.parse(readFileSync(join(scratch, 'package/package.json'), 'utf8')) as Record<string, unknown>;
    files = readdirSync(join(scratch, 'package'), { recursive: true }).map(String);

    // The adapters' frameworks are optional peers: the project installs them, at the versions tested here.
    const peers = Object.fromEntries(Object.keys(manifest.peerDependencies).map((name) => [name, installedVersion(name)]));
    mkdirSync(project);
    writeFileSync(
      join(project, 'package.json'),
      JSON.stringify({ name: 'agent', private: true, type: 'module', dependencies: { '@thoth/sdk': `file:${join(scratch, tarball!)}`, ...peers, zod: installedVersion('zod') } }),
    );
    await run('pnpm', ['install', '--prefer-offline', '--config.confirmModulesPurge=false', '--ignore-workspace'], { cwd: project });
  });

  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it('names built files with their types, and depends on nothing of the workspace', () => {
    expect(packed['exports']).toEqual(manifest.publishConfig.exports);
    // Nothing points at the TypeScript sources, nor at the workspace.
    expect(JSON.stringify(packed)).not.toMatch(/"\.\/src\/|workspace:/);
    // What an install resolves: npm packages only (the workspace's libraries are bundled in dist).
    const installs = { ...(packed['dependencies'] as object), ...(packed['peerDependencies'] as object) };
    expect(Object.keys(installs).filter((name) => name.startsWith('@thoth/'))).toEqual([]);
    expect(packed['private']).toBeUndefined();
    expect(files.filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))).toEqual([]);
    // Its SBOM: the workspace libraries bundled in, and what an install adds.
    const sbom = JSON.parse(readFileSync(join(scratch, 'package/dist/sbom.cdx.json'), 'utf8')) as { components: Array<{ name: string }> };
    expect(sbom.components.map((c) => c.name).sort()).toEqual(['@bufbuild/protobuf', '@grpc/grpc-js', '@thoth/backoff', '@thoth/contracts', '@thoth/grpc']);
    for (const target of Object.values(packed['exports'] as Record<string, { types: string; import: string }>)) {
      expect(files).toContain(target.import.slice(2));
      expect(files).toContain(target.types.slice(2));
    }
  });

  it('imports every entry point with plain node', async () => {
    for (const [entry, names] of Object.entries(ENTRY_POINTS)) {
      const { stdout } = await run(process.execPath, ['--input-type=module', '-e', `console.log(JSON.stringify(Object.keys(await import(${JSON.stringify(entry)}))))`], {
        cwd: project,
        // Nothing of the workspace's environment (NODE_OPTIONS, NODE_PATH): node and the project alone.
        env: {},
      });
      expect(JSON.parse(stdout), entry).toEqual(expect.arrayContaining(names));
    }
    expect(Object.keys(ENTRY_POINTS).map((e) => e.replace('@thoth/sdk', '.'))).toEqual(Object.keys(manifest.publishConfig.exports));
  });

  it('type-checks a use of the SDK with tsc, the workspace’s types resolved from its declarations', async () => {
    writeFileSync(
      join(project, 'tsconfig.json'),
      JSON.stringify({ compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', target: 'ES2023', strict: true, noEmit: true, skipLibCheck: true, types: [] }, include: ['agent.ts'] }),
    );
    // Each @ts-expect-error fails the check if the type it probes resolved to `any` (a declaration that lost its import).
    writeFileSync(
      join(project, 'agent.ts'),
      `import { ThothClient, ThothDeniedError, type Decision } from '@thoth/sdk';
import { guardMcpClient } from '@thoth/sdk/mcp';
import { guardTools } from '@thoth/sdk/ai';
import { guardAgentTools } from '@thoth/sdk/openai-agents';
import { guardLangChainTools } from '@thoth/sdk/langchain';

export async function check(client: ThothClient): Promise<string> {
  const decision: Decision = await client.decide({ tool: 'crm.read_contacts', arguments: { id: 1 } });
  // @ts-expect-error the receipt's decision id (from the bundled contracts) is a string
  const wrong: number | undefined = decision.receipt?.decisionId;
  void wrong;
  return decision.receipt?.decisionId ?? '';
}
export const denied = (error: unknown): string | undefined => (error instanceof ThothDeniedError ? error.receipt?.keyId : undefined);
// @ts-expect-error an address is a string
export const bad = new ThothClient({ address: 1, tenantId: 't', agentId: 'a', agentToken: 'x' });
export const adapters = [guardMcpClient, guardTools, guardAgentTools, guardLangChainTools];
`,
    );
    const result = await run(process.execPath, [TSC, '-p', join(project, 'tsconfig.json')], { cwd: project }).then(
      () => ({ code: 0, stdout: '' }),
      (error: { code: number; stdout: string }) => ({ code: error.code, stdout: error.stdout }),
    );
    expect(result).toEqual({ code: 0, stdout: '' });
  });
});
