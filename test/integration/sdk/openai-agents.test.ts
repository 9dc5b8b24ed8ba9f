// The OpenAI Agents SDK adapter with real function tools (`tool()` from @openai/agents)
// invoked as the Runner invokes them: `invoke(runContext, <JSON from the model>)`.
import { RunContext, tool } from '@openai/agents';
import { ThothDeniedError } from '@thoth/sdk';
import { guardAgentTool, guardAgentTools } from '@thoth/sdk/openai-agents';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ENFORCE_TENANT, startSdkEnforcer, type SdkEnforcer } from './sdk-enforcer.js';

describe('OpenAI Agents SDK function tools behind Decide', () => {
  let enforcer: SdkEnforcer;
  beforeAll(async () => void (enforcer = await startSdkEnforcer('openai-agents')));
  afterAll(() => enforcer?.stop());

  const crm = () => {
    const executives = new Set([1, 2, 3]);
    const tools = [
      tool({
        name: 'count_records',
        description: 'Counts records.',
        parameters: z.object({ table: z.string() }),
        execute: async ({ table }) => `${table}: ${executives.size}`,
      }),
      tool({
        name: 'delete_records',
        description: 'Deletes records.',
        parameters: z.object({ table: z.string(), ids: z.array(z.number()) }),
        execute: async ({ ids }) => `deleted ${ids.filter((id) => executives.delete(id)).length}`,
      }),
    ];
    return { executives, tools };
  };

  it('runs the allowed tool; the denied one does not run and the model gets the reason as the tool output', async () => {
    const { executives, tools } = crm();
    const [count, del] = guardAgentTools(tools, { thoth: enforcer.thoth(ENFORCE_TENANT), toolName: (n) => `crm.${n}`, tools: { count_records: { risk: 'read' }, delete_records: { risk: 'destructive' } } });
    const context = new RunContext();
    expect(await count!.invoke(context, JSON.stringify({ table: 'executives' }))).toBe('executives: 3');
    const output = await del!.invoke(context, JSON.stringify({ table: 'executives', ids: [1, 2] }));
    expect(executives.size).toBe(3);
    expect(output).toMatch(/^Thoth blocked crm\.delete_records: rule code-freeze — .*Do not retry while the freeze lasts; ask a human\.$/);
    // Still a function tool the SDK can hand to an Agent.
    expect(del).toMatchObject({ type: 'function', name: 'delete_records', parameters: tools[1]!.parameters });
  });

  it("with onBlocked: 'throw', invoke rejects with the typed error", async () => {
    const { executives, tools } = crm();
    const del = guardAgentTool(tools[1]!, { thoth: enforcer.thoth(ENFORCE_TENANT), toolName: (n) => `crm.${n}`, defaultRisk: 'destructive', onBlocked: 'throw' });
    const error = await del.invoke(new RunContext(), JSON.stringify({ table: 'executives', ids: [1] })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ThothDeniedError);
    expect((error as ThothDeniedError).matchedRules.map((r) => r.ruleId)).toContain('code-freeze');
    expect(executives.size).toBe(3);
  });
});
