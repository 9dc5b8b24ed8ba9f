import type { StructuredToolInterface } from '@langchain/core/tools';
import { resolveTool, type AdapterOptions } from '../adapters/tool-policies.js';

type Call = (input: unknown, runManager: unknown, config: unknown) => Promise<unknown>;

/**
 * The same tool, decided before it runs. It is a view of the original (its prototype is
 * the tool), so name, schema, response format and callbacks are the tool's own; only its
 * `_call`, which LangChain invokes after validating the input against the schema, is
 * preceded by Decide with the validated arguments. A blocked call throws
 * ThothDeniedError / ThothApprovalRequiredError / ThothUnavailableError from `invoke`, as any failing LangChain tool
 * does (LangGraph's ToolNode turns it into a ToolMessage for the model).
 */
export function guardLangChainTool<T extends StructuredToolInterface>(tool: T, options: AdapterOptions): T {
  const policy = resolveTool(tool.name, options);
  const original = (tool as unknown as { _call: Call })._call;
  if (typeof original !== 'function') throw new TypeError(`${tool.name} is not a LangChain StructuredTool (no _call)`);
  const guarded = Object.create(tool) as T & { _call: Call };
  guarded._call = async function (this: T, input, runManager, config) {
    await options.thoth.check({
      name: policy.name,
      risk: policy.risk,
      arguments: input,
      resource: policy.resource?.(input),
      credential: policy.credential,
      approval: policy.approval,
      signal: (config as { signal?: AbortSignal } | undefined)?.signal,
    });
    return original.call(this, input, runManager, config);
  };
  return guarded;
}

export function guardLangChainTools<T extends StructuredToolInterface[]>(tools: T, options: AdapterOptions): T {
  return tools.map((t) => guardLangChainTool(t, options)) as T;
}
