// A small CRM as an MCP server, for the SDK's MCP tests: over stdio when run as a process
// (`node --import tsx crm-mcp-server.ts`), or in process via `crmMcpServer()`.
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';

export interface Crm {
  readonly records: Map<string, Set<number>>;
}

export function crmMcpServer(crm: Crm = { records: new Map([['executives', new Set([1, 2, 3])]]) }): { server: McpServer; crm: Crm } {
  const server = new McpServer({ name: 'crm', version: '1.0.0' });
  const table = (name: string) => crm.records.get(name) ?? crm.records.set(name, new Set()).get(name)!;
  server.registerTool(
    'count_records',
    { description: 'Counts the records of a table.', inputSchema: { table: z.string() }, annotations: { readOnlyHint: true } },
    async ({ table: name }) => ({ content: [{ type: 'text', text: String(table(name).size) }] }),
  );
  server.registerTool(
    'delete_records',
    { description: 'Deletes records by id.', inputSchema: { table: z.string(), ids: z.array(z.number()) }, annotations: { destructiveHint: true } },
    async ({ table: name, ids }) => {
      const rows = table(name);
      let deleted = 0;
      for (const id of ids) if (rows.delete(id)) deleted++;
      return { content: [{ type: 'text', text: `deleted ${deleted}` }] };
    },
  );
  return { server, crm };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { server } = crmMcpServer();
  await server.connect(new StdioServerTransport());
}
