import type { FunctionTool, Tool } from '@openai/agents';
import { resolveTool, type AdapterOptions } from '../adapters/tool-policies.js';
import { ThothApprovalRequiredError, ThothDeniedError, ThothUnavailableError } from '../errors.js';

export interface AgentsGuardOptions extends AdapterOptions {
  /**
   * What a blocked call gives the run: `message` (default) returns the model-facing reason
   * as the tool's output, the Agents SDK's own way of reporting a failed tool to the model
   * (its default error function would say "Please try again", the wrong advice for a
   * denial; a call held for approval says which approval request a person must approve);
   * `throw` rejects `invoke` with ThothDeniedError / ThothApprovalRequiredError /
   * ThothUnavailableError, which ends the run with that error.
   */
  readonly onBlocked?: 'message' | 'throw';
}

type Invoke = FunctionTool['invoke'];

/**
 * The same function tool with `invoke` decided first; the tool's own parsing and
 * `execute` run only when allowed. Arguments are sent as the model produced them (the
 * JSON string `invoke` receives).
 */
export function guardAgentTool<T extends FunctionTool<never, never, unknown>>(tool: T, options: AgentsGuardOptions): T {
  const policy = resolveTool(tool.name, options);
  const invoke = tool.invoke as Invoke;
  const guarded: Invoke = async (runContext, input, details) => {
    const args = parseArguments(input);
    try {
      await options.thoth.check({
        name: policy.name,
        risk: policy.risk,
        arguments: args,
        resource: policy.resource?.(args),
        credential: policy.credential,
        approval: policy.approval,
        signal: details?.signal,
      });
    } catch (error) {
      if ((options.onBlocked ?? 'message') === 'message' && isBlocked(error)) return error.message;
      throw error;
    }
    return invoke(runContext, input, details);
  };
  return { ...tool, invoke: guarded };
}

/** Every function tool of a list guarded; hosted and other tools are returned unchanged. */
export function guardAgentTools<T extends Tool[]>(tools: T, options: AgentsGuardOptions): T {
  return tools.map((t) => (t.type === 'function' ? guardAgentTool(t as FunctionTool<never, never, unknown>, options) : t)) as T;
}

const isBlocked = (error: unknown): error is ThothDeniedError | ThothApprovalRequiredError | ThothUnavailableError =>
  error instanceof ThothDeniedError || error instanceof ThothApprovalRequiredError || error instanceof ThothUnavailableError;

function parseArguments(input: string): unknown {
  if (input.trim() === '') return {};
  try {
    return JSON.parse(input) as unknown;
  } catch {
    // Not JSON: the tool's own parser will reject it; the decision records it as given.
    return { input };
  }
}
