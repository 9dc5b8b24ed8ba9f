// The LangChain.js adapter with real LangChain tools (`tool()` from @langchain/core/tools,
// a DynamicStructuredTool), invoked with a model-style ToolCall as an agent does.
import { ToolMessage } from '@langchain/core/messages';
import { tool } from '@langchain/core/tools';
import { ThothDeniedError } from '@thoth/sdk';
import { guardLangChainTool, guardLangChainTools } from '@thoth/sdk/langchain';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ENFORCE_TENANT, startSdkEnforcer, type SdkEnforcer } from './sdk-enforcer.js';

describe('LangChain.js tools behind Decide', () => {
  let enforcer: SdkEnforcer;
  beforeAll(async () => void (enforcer = await startSdkEnforcer('langchain')));
  afterAll(() => enforcer?.stop());

  it('runs the allowed tool (a ToolMessage back), and the denied one throws the typed error without running', async () => {
    const executives = new Set([1, 2, 3]);
    const count = tool(async ({ table }) => `${table}: ${executives.size}`, { name: 'count_records', description: 'Counts records.', schema: z.object({ table: z.string() }) });
    const del = tool(async ({ ids }) => `deleted ${ids.filter((id) => executives.delete(id)).length}`, {
      name: 'delete_records',
      description: 'Deletes records.',
      schema: z.object({ table: z.string(), ids: z.array(z.number()) }),
    });
    const thoth = enforcer.thoth(ENFORCE_TENANT);
    const [guardedCount, guardedDelete] = guardLangChainTools([count, del], { thoth, toolName: (n) => `crm.${n}`, tools: { count_records: { risk: 'read' }, delete_records: { risk: 'destructive' } } });

    const message = await guardedCount!.invoke({ type: 'tool_call', id: 'call-1', name: 'count_records', args: { table: 'executives' } });
    expect(message).toBeInstanceOf(ToolMessage);
    expect((message as ToolMessage).content).toBe('executives: 3');

    const error = await guardedDelete!.invoke({ type: 'tool_call', id: 'call-2', name: 'delete_records', args: { table: 'executives', ids: [1, 2, 3] } }).catch((e: unknown) => e);
    expect(executives.size).toBe(3);
    expect(error).toBeInstanceOf(ThothDeniedError);
    expect((error as ThothDeniedError).message).toMatch(/^Thoth blocked crm\.delete_records: rule code-freeze — /);
    // Decide saw the arguments after LangChain validated them against the schema.
    expect(thoth.events.map((e) => e.tool)).toEqual(['crm.count_records', 'crm.delete_records']);
    // The guarded tool is still the tool: name, schema, a StructuredTool.
    expect(guardedDelete!.name).toBe('delete_records');
    expect(guardedDelete!.schema).toBe(del.schema);
  });

  it('rejects invalid input before asking Thoth (LangChain validates first)', async () => {
    const del = tool(async () => 'never', { name: 'delete_records', description: 'Deletes records.', schema: z.object({ ids: z.array(z.number()) }) });
    const thoth = enforcer.thoth(ENFORCE_TENANT);
    const guarded = guardLangChainTool(del, { thoth, defaultRisk: 'destructive' });
    await expect(guarded.invoke({ ids: 'all' } as never)).rejects.toThrow(/did not match expected schema/);
    expect(thoth.events).toEqual([]);
  });
});
