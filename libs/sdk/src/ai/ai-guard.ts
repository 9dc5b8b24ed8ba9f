import type { Tool, ToolExecutionOptions, ToolSet } from 'ai';
import { resolveTool, type AdapterOptions } from '../adapters/tool-policies.js';

/**
 * The same tools, each `execute` decided first. A blocked call throws ThothDeniedError
 * (ThothApprovalRequiredError when a person must approve it first, with the approval request's
 * id in its message; ThothUnavailableError) from `execute`, which the AI SDK reports as a
 * `tool-error` whose message, written for the model, goes back to it as the tool's result. Tools
 * without `execute` (client-side tools) are returned unchanged: they do not run here.
 */
export function guardTools<T extends ToolSet>(tools: T, options: AdapterOptions): T {
  const guarded: Record<string, Tool> = {};
  for (const [name, tool] of Object.entries(tools)) guarded[name] = guardTool(name, tool, options);
  return guarded as T;
}

type Execute = (input: unknown, options: ToolExecutionOptions<unknown>) => unknown;

/** One tool, by the name the model calls it. */
export function guardTool<T extends Tool>(name: string, tool: T, options: AdapterOptions): T {
  const execute = tool.execute as Execute | undefined;
  if (!execute) return tool;
  const policy = resolveTool(name, options);
  const check = (input: unknown, execution: ToolExecutionOptions<unknown>) =>
    options.thoth.check({
      name: policy.name,
      risk: policy.risk,
      arguments: input,
      resource: policy.resource?.(input),
      credential: policy.credential,
      approval: policy.approval,
      signal: execution.abortSignal,
    });
  // A streaming tool (async generator) stays one, so the SDK still sees its preliminary results.
  const guardedExecute: Execute =
    execute.constructor.name === 'AsyncGeneratorFunction'
      ? async function* (input, execution) {
          await check(input, execution);
          yield* execute(input, execution) as AsyncIterable<unknown>;
        }
      : async (input, execution) => {
          await check(input, execution);
          return execute(input, execution);
        };
  return { ...tool, execute: guardedExecute } as T;
}
