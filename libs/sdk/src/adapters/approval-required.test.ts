// Every framework adapter surfaces a call held for approval to the model as it surfaces a denial,
// with the approval request's id in the text. The gate is a stub here (the client's approval logic
// is tested against a scripted enforcer in client/thoth-client.test.ts).
import { tool as langchainTool } from '@langchain/core/tools';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { RunContext, tool as agentsTool } from '@openai/agents';
import { generateText, tool as aiTool } from 'ai';
import { MockLanguageModelV4 } from 'ai/test';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { guardTools } from '../ai/ai-guard.js';
import { ThothApprovalRequiredError } from '../errors.js';
import type { Thoth } from '../guard/guard.js';
import { guardLangChainTool } from '../langchain/langchain-guard.js';
import { guardMcpClient, THOTH_META_KEY } from '../mcp/mcp-guard.js';
import { guardAgentTool } from '../openai-agents/agents-guard.js';

const APPROVAL_ID = '0b9e4c1e-5a37-4d3e-9d7e-2f1c8a6b4e10';
const held = new ThothApprovalRequiredError({
  tool: 'db.delete_rows',
  approval: { id: APPROVAL_ID, expiresAt: new Date('2026-12-07T21:00:00Z') },
  decisionId: APPROVAL_ID,
  requestId: 'r-1',
  matchedRules: [{ ruleId: 'delete-freeze', reason: 'Deletes are frozen', kind: 'freeze_window', severity: 'high' }],
});
/** A gate that holds every call for approval; the adapters use nothing of Thoth but `check`. */
const thoth = { check: () => Promise.reject(held) } as unknown as Thoth;
const ran: unknown[] = [];
const schema = z.object({ ids: z.array(z.number()) });

describe('a call held for approval, through each adapter', () => {
  it('the error itself tells the model that a person must approve this exact call, and which request', () => {
    expect(held.message).toContain(`approval request ${APPROVAL_ID}`);
    expect(held.message).toContain('retry the same call with exactly the same arguments');
  });

  it('OpenAI Agents: the tool output is the message (onBlocked message), or invoke rejects with the error', async () => {
    const del = agentsTool({ name: 'delete_rows', description: 'Deletes rows.', parameters: schema, execute: async (args) => void ran.push(args) });
    expect(await guardAgentTool(del, { thoth }).invoke(new RunContext(), '{"ids":[1]}')).toBe(held.message);
    await expect(guardAgentTool(del, { thoth, onBlocked: 'throw' }).invoke(new RunContext(), '{"ids":[1]}')).rejects.toBe(held);
    expect(ran).toEqual([]);
  });

  it('LangChain: invoke rejects with the error, as for a denial', async () => {
    const del = langchainTool(async (args) => void ran.push(args), { name: 'delete_rows', description: 'Deletes rows.', schema });
    await expect(guardLangChainTool(del, { thoth }).invoke({ ids: [1] })).rejects.toBe(held);
    expect(ran).toEqual([]);
  });

  it('Vercel AI SDK: a tool-error carrying the error, whose message goes back to the model', async () => {
    const tools = guardTools({ delete_rows: aiTool({ description: 'Deletes rows.', inputSchema: schema, execute: async (args) => void ran.push(args) }) }, { thoth });
    const model = new MockLanguageModelV4({
      doGenerate: {
        content: [{ type: 'tool-call', toolCallId: 'call-1', toolName: 'delete_rows', input: '{"ids":[1]}' }],
        finishReason: { unified: 'tool-calls', raw: 'tool_calls' },
        usage: { inputTokens: { total: 1, noCache: 1, cacheRead: undefined, cacheWrite: undefined }, outputTokens: { total: 1, text: 1, reasoning: undefined } },
        warnings: [],
      },
    });
    const result = await generateText({ model, tools, prompt: 'Delete row 1.' });
    expect(result.content.filter((part) => part.type === 'tool-error').map((part) => part.error)).toEqual([held]);
    expect(ran).toEqual([]);
  });

  it('MCP: an isError tool result with the message, and the approval id and expiry in _meta', async () => {
    const upstream = { callTool: async () => ran.push('called') } as unknown as Client;
    const client = guardMcpClient(upstream, { thoth, onBlocked: 'result', tools: { delete_rows: { risk: 'destructive' } } });
    const result = (await client.callTool({ name: 'delete_rows', arguments: { ids: [1] } })) as CallToolResult;
    expect(result.isError).toBe(true);
    expect(result.content).toEqual([{ type: 'text', text: held.message }]);
    expect(result._meta?.[THOTH_META_KEY]).toMatchObject({ outcome: 'approval_required', code: 'APPROVAL_REQUIRED', approvalId: APPROVAL_ID, expiresAt: '2026-12-07T21:00:00.000Z' });
    await expect(guardMcpClient(upstream, { thoth, tools: { delete_rows: { risk: 'destructive' } } }).callTool({ name: 'delete_rows', arguments: {} })).rejects.toBe(held);
    expect(ran).toEqual([]);
  });
});
