// The MCP adapter with real MCP machinery: a CRM MCP server as a child process over
// stdio behind the guarding proxy, and a guarded Client against an in-process server.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { ThothDeniedError, type Thoth } from '@thoth/sdk';
import { createGuardingProxy, guardMcpClient } from '@thoth/sdk/mcp';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { crmMcpServer } from './crm-mcp-server.js';
import { ENFORCE_TENANT, SHADOW_TENANT, startSdkEnforcer, type SdkEnforcer } from './sdk-enforcer.js';

const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const SERVER = fileURLToPath(new URL('./crm-mcp-server.ts', import.meta.url));
const crmName = (name: string) => `crm.${name}`;
const text = (result: unknown) => ((result as CallToolResult).content[0] as { text: string }).text;

describe('MCP guarding proxy in front of a CRM server over stdio', () => {
  let enforcer: SdkEnforcer;
  const closers: (() => Promise<void>)[] = [];
  beforeAll(async () => void (enforcer = await startSdkEnforcer('mcp-proxy')));
  afterAll(async () => {
    for (const close of closers.reverse()) await close();
    await enforcer?.stop();
  });

  /** upstream (child process, stdio) ← proxy (here) ← client (in-memory): what an MCP host sees. */
  async function proxied(thoth: Thoth): Promise<Client> {
    const upstream = new Client({ name: 'thoth-proxy-upstream', version: '0.1.0' });
    await upstream.connect(new StdioClientTransport({ command: process.execPath, args: ['--import', 'tsx', SERVER], cwd: REPO_ROOT, stderr: 'inherit' }));
    const proxy = createGuardingProxy(upstream, { thoth, toolName: crmName });
    const [clientSide, proxySide] = InMemoryTransport.createLinkedPair();
    await proxy.connect(proxySide);
    const client = new Client({ name: 'host', version: '0.1.0' });
    await client.connect(clientSide);
    closers.push(async () => {
      await client.close();
      await proxy.close();
      await upstream.close();
    });
    return client;
  }

  it('lists the upstream tools, forwards an allowed call, answers a denied one with isError and never forwards it', async () => {
    const client = await proxied(enforcer.thoth(ENFORCE_TENANT));
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual(['count_records', 'delete_records']);
    expect(tools.find((t) => t.name === 'delete_records')?.annotations?.destructiveHint).toBe(true);

    expect(text(await client.callTool({ name: 'count_records', arguments: { table: 'executives' } }))).toBe('3');

    const denied = (await client.callTool({ name: 'delete_records', arguments: { table: 'executives', ids: [1, 2, 3] } })) as CallToolResult;
    expect(denied.isError).toBe(true);
    expect(text(denied)).toMatch(/^Thoth blocked crm\.delete_records: rule code-freeze — .*Do not retry while the freeze lasts; ask a human\.$/);
    const meta = denied._meta?.['dev.thoth/decision'] as { outcome: string; decisionId: string; reasons: string[]; receipt: { decisionId: string; outcome: string } };
    expect(meta.outcome).toBe('deny');
    expect(meta.receipt).toMatchObject({ decisionId: meta.decisionId, outcome: 'OUTCOME_DENY' });
    expect(meta.reasons.some((r) => r.startsWith('code-freeze: '))).toBe(true);

    // The upstream never saw the delete.
    expect(text(await client.callTool({ name: 'count_records', arguments: { table: 'executives' } }))).toBe('3');
  });

  it('in shadow mode forwards the call the policy would deny', async () => {
    const thoth = enforcer.thoth(SHADOW_TENANT);
    const client = await proxied(thoth);
    const result = (await client.callTool({ name: 'delete_records', arguments: { table: 'executives', ids: [1] } })) as CallToolResult;
    expect(result.isError).toBeFalsy();
    expect(text(result)).toBe('deleted 1');
    expect(text(await client.callTool({ name: 'count_records', arguments: { table: 'executives' } }))).toBe('2');
    expect(thoth.events.find((e) => e.tool === 'crm.delete_records')?.outcome).toBe('shadow_deny');
    // Risk came from the upstream's annotations.
    expect(thoth.events.map((e) => [e.tool, e.risk])).toContainEqual(['crm.count_records', 'read']);
    expect(thoth.events.map((e) => [e.tool, e.risk])).toContainEqual(['crm.delete_records', 'destructive']);
  });
});

describe('guarded MCP client', () => {
  let enforcer: SdkEnforcer;
  beforeAll(async () => void (enforcer = await startSdkEnforcer('mcp-client')));
  afterAll(() => enforcer?.stop());

  async function connected() {
    const { server, crm } = crmMcpServer();
    const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
    await server.connect(serverSide);
    const client = new Client({ name: 'agent', version: '0.1.0' });
    await client.connect(clientSide);
    return { client, crm, close: () => client.close() };
  }

  it('runs allowed calls and throws ThothDeniedError for denied ones, which never reach the server', async () => {
    const { client, crm, close } = await connected();
    const guarded = guardMcpClient(client, { thoth: enforcer.thoth(ENFORCE_TENANT), toolName: crmName });
    expect(text(await guarded.callTool({ name: 'count_records', arguments: { table: 'executives' } }))).toBe('3');
    const error = await guarded.callTool({ name: 'delete_records', arguments: { table: 'executives', ids: [1] } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ThothDeniedError);
    expect((error as ThothDeniedError).tool).toBe('crm.delete_records');
    expect((error as ThothDeniedError).receipt?.decisionId).toBe((error as ThothDeniedError).decisionId);
    expect(crm.records.get('executives')?.size).toBe(3);
    // The rest of the client is the client.
    expect((await guarded.listTools()).tools).toHaveLength(2);
    await close();
  });

  it("can answer a denial as the MCP tool error result a host's model sees", async () => {
    const { client, crm, close } = await connected();
    const guarded = guardMcpClient(client, { thoth: enforcer.thoth(ENFORCE_TENANT), toolName: crmName, onBlocked: 'result' });
    const result = (await guarded.callTool({ name: 'delete_records', arguments: { table: 'executives', ids: [1] } })) as CallToolResult;
    expect(result.isError).toBe(true);
    expect(text(result)).toContain('Thoth blocked crm.delete_records: rule code-freeze');
    expect(crm.records.get('executives')?.size).toBe(3);
    await close();
  });
});
