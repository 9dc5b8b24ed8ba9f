// The Vercel AI SDK adapter with the real `ai` tool loop: generateText with a scripted
// model (ai/test's MockLanguageModelV4, no model call) that calls two guarded tools.
import { ThothDeniedError } from '@thoth/sdk';
import { guardTools } from '@thoth/sdk/ai';
import { generateText, tool } from 'ai';
import { MockLanguageModelV4 } from 'ai/test';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ENFORCE_TENANT, startSdkEnforcer, type SdkEnforcer } from './sdk-enforcer.js';

const usage = {
  inputTokens: { total: 10, noCache: 10, cacheRead: undefined, cacheWrite: undefined },
  outputTokens: { total: 10, text: 10, reasoning: undefined },
};

describe('Vercel AI SDK tools behind Decide', () => {
  let enforcer: SdkEnforcer;
  beforeAll(async () => void (enforcer = await startSdkEnforcer('ai')));
  afterAll(() => enforcer?.stop());

  it('executes the allowed tool call and not the denied one, which comes back as a tool-error for the model', async () => {
    const executives = new Set([1, 2, 3]);
    const tools = guardTools(
      {
        count_records: tool({
          description: 'Counts records.',
          inputSchema: z.object({ table: z.string() }),
          execute: async ({ table }) => ({ table, count: executives.size }),
        }),
        delete_records: tool({
          description: 'Deletes records.',
          inputSchema: z.object({ table: z.string(), ids: z.array(z.number()) }),
          execute: async ({ ids }) => ({ deleted: ids.filter((id) => executives.delete(id)).length }),
        }),
      },
      { thoth: enforcer.thoth(ENFORCE_TENANT), toolName: (n) => `crm.${n}`, tools: { count_records: { risk: 'read' }, delete_records: { risk: 'destructive', resource: (a: { table: string }) => `crm://${a.table}` } } },
    );
    const model = new MockLanguageModelV4({
      doGenerate: {
        content: [
          { type: 'tool-call', toolCallId: 'call-1', toolName: 'count_records', input: JSON.stringify({ table: 'executives' }) },
          { type: 'tool-call', toolCallId: 'call-2', toolName: 'delete_records', input: JSON.stringify({ table: 'executives', ids: [1, 2, 3] }) },
        ],
        finishReason: { unified: 'tool-calls', raw: 'tool_calls' },
        usage,
        warnings: [],
      },
    });

    const result = await generateText({ model, tools, prompt: 'Clean up the executives table.' });

    expect(executives.size).toBe(3); // the delete never ran
    expect(result.toolResults).toMatchObject([{ toolName: 'count_records', output: { table: 'executives', count: 3 } }]);
    const errors = result.content.filter((part) => part.type === 'tool-error');
    expect(errors).toHaveLength(1);
    const [failure] = errors;
    expect(failure?.toolName).toBe('delete_records');
    expect(failure?.error).toBeInstanceOf(ThothDeniedError);
    const denied = failure?.error as ThothDeniedError;
    expect(denied.tool).toBe('crm.delete_records');
    expect(denied.message).toMatch(/^Thoth blocked crm\.delete_records: rule code-freeze — /);
    expect(denied.receipt?.decisionId).toBe(denied.decisionId);
  });
});
