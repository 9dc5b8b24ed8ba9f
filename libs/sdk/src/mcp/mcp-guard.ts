import { toJson } from '@bufbuild/protobuf';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import {
  CallToolRequestSchema,
  ListToolsRequestSchema,
  type CallToolRequest,
  type CallToolResult,
  type Implementation,
  type ToolAnnotations,
} from '@modelcontextprotocol/sdk/types.js';
import { ReceiptSchema } from '@thoth/contracts';
import { resolveTool, type AdapterOptions, type ResolvedTool } from '../adapters/tool-policies.js';
import { ThothApprovalRequiredError, ThothDeniedError, ThothUnavailableError } from '../errors.js';
import type { Risk } from '../guard/fail-mode.js';

/** `_meta` key of a blocked call's details in an MCP tool result. */
export const THOTH_META_KEY = 'dev.thoth/decision';

export interface McpGuardOptions extends AdapterOptions {
  /**
   * What a blocked call gives the caller: `throw` (default for the client: the typed
   * ThothDeniedError / ThothApprovalRequiredError / ThothUnavailableError) or `result` (an MCP tool result with
   * `isError: true` and the reason, which is what an MCP host shows its model).
   */
  readonly onBlocked?: 'throw' | 'result';
}

/**
 * An MCP tool's risk from its annotations, read with the spec's defaults: `readOnlyHint`
 * → read; otherwise destructive unless `destructiveHint: false`. Annotations are the
 * server's claims: they only pick the fail mode, never whether policy applies, and an
 * explicit `tools[name].risk` wins.
 */
export function riskFromAnnotations(annotations: ToolAnnotations | undefined): Risk | undefined {
  if (!annotations) return undefined;
  if (annotations.readOnlyHint === true) return 'read';
  return annotations.destructiveHint === false ? 'write' : 'destructive';
}

type Blocked = ThothDeniedError | ThothApprovalRequiredError | ThothUnavailableError;

/**
 * An MCP tool result for a blocked call: the model-facing reason, and the decision in `_meta` (for a
 * call held for approval, `outcome: 'approval_required'` with `approvalId` and `expiresAt`).
 */
export function deniedToolResult(error: Blocked): CallToolResult {
  const meta =
    error instanceof ThothApprovalRequiredError
      ? {
          outcome: 'approval_required',
          code: error.code,
          tool: error.tool,
          approvalId: error.approvalId,
          ...(error.expiresAt ? { expiresAt: error.expiresAt.toISOString() } : {}),
          decisionId: error.decisionId,
          requestId: error.requestId,
          reasons: [...error.reasons],
          ...(error.receipt ? { receipt: toJson(ReceiptSchema, error.receipt) } : {}),
        }
      : error instanceof ThothDeniedError
      ? {
          outcome: 'deny',
          code: error.code,
          tool: error.tool,
          decisionId: error.decisionId,
          requestId: error.requestId,
          reasons: [...error.reasons],
          ...(error.receipt ? { receipt: toJson(ReceiptSchema, error.receipt) } : {}),
        }
      : { outcome: 'unavailable', code: error.code, tool: error.tool, requestId: error.requestId, risk: error.risk };
  return { content: [{ type: 'text', text: error.message }], isError: true, _meta: { [THOTH_META_KEY]: meta } };
}

const isBlocked = (error: unknown): error is Blocked => error instanceof ThothDeniedError || error instanceof ThothApprovalRequiredError || error instanceof ThothUnavailableError;

/** Annotations of the tools a client has listed, so calls can be gated by what the server said. */
class ToolHints {
  readonly #risks = new Map<string, Risk | undefined>();

  record(tools: readonly { name: string; annotations?: ToolAnnotations | undefined }[]): void {
    for (const tool of tools) this.#risks.set(tool.name, riskFromAnnotations(tool.annotations));
  }

  known(name: string): boolean {
    return this.#risks.has(name);
  }

  risk(name: string): Risk | undefined {
    return this.#risks.get(name);
  }
}

type CallToolParams = CallToolRequest['params'];

/**
 * A Client whose every `callTool` goes through Decide first; everything else is the
 * client unchanged. Tools are classified by their annotations (listed once, on the first
 * call of a tool not yet seen), then `options.tools`, then `defaultRisk` (default: the
 * spec's reading of no annotations, destructive).
 */
export function guardMcpClient<C extends Client>(client: C, options: McpGuardOptions): C {
  const hints = new ToolHints();
  const onBlocked = options.onBlocked ?? 'throw';
  const defaults: AdapterOptions = { ...options, defaultRisk: options.defaultRisk ?? 'destructive' };
  let listing: Promise<void> | undefined;
  const learn = (name: string): Promise<void> => {
    if (hints.known(name) || options.tools?.[name]?.risk) return Promise.resolve();
    listing ??= listAll(client)
      .then((tools) => hints.record(tools))
      .catch(() => {}) // a server without tools/list: fall back to the defaults
      .finally(() => (listing = undefined));
    return listing;
  };
  const callTool: Client['callTool'] = async (params, resultSchema, requestOptions) => {
    await learn(params.name);
    const tool = resolveTool(params.name, defaults, hints.risk(params.name));
    try {
      await checkCall(options, tool, params.arguments, requestOptions?.signal);
    } catch (error) {
      if (onBlocked === 'result' && isBlocked(error)) return deniedToolResult(error) as Awaited<ReturnType<Client['callTool']>>;
      throw error;
    }
    return client.callTool(params, resultSchema, requestOptions);
  };
  return new Proxy(client, {
    get(target, property, receiver) {
      if (property === 'callTool') return callTool;
      const value: unknown = Reflect.get(target, property, receiver);
      // Methods run on the real client: it keeps transport and request state on itself.
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}

/** Decides the MCP call of `tool` with `args`; throws what `thoth.check` throws. */
function checkCall(options: AdapterOptions, tool: ResolvedTool, args: Record<string, unknown> | undefined, signal: AbortSignal | undefined): Promise<unknown> {
  const callArguments = args ?? {};
  return options.thoth.check({
    name: tool.name,
    risk: tool.risk,
    arguments: callArguments,
    resource: tool.resource?.(callArguments),
    credential: tool.credential,
    approval: tool.approval,
    signal,
  });
}

async function listAll(client: Client): Promise<{ name: string; annotations?: ToolAnnotations | undefined }[]> {
  const tools: { name: string; annotations?: ToolAnnotations | undefined }[] = [];
  let cursor: string | undefined;
  do {
    const page = await client.listTools(cursor ? { cursor } : undefined);
    tools.push(...page.tools);
    cursor = page.nextCursor;
  } while (cursor);
  return tools;
}

export interface GuardingProxyOptions extends AdapterOptions {
  /** How the proxy introduces itself. Default `thoth-guarding-proxy`. */
  readonly serverInfo?: Implementation;
}

/**
 * An MCP Server that serves the tools of `upstream` (a connected Client) behind Decide:
 * tools/list is the upstream's list; an allowed tools/call is forwarded; a blocked one
 * is answered with `isError: true` and the reason, and never reaches the upstream.
 * Connect it to any transport (`await proxy.connect(new StdioServerTransport())`).
 */
export function createGuardingProxy(upstream: Client, options: GuardingProxyOptions): Server {
  const hints = new ToolHints();
  const defaults: AdapterOptions = { ...options, defaultRisk: options.defaultRisk ?? 'destructive' };
  const server = new Server(options.serverInfo ?? { name: 'thoth-guarding-proxy', version: '0.1.0' }, {
    capabilities: { tools: {} },
    instructions: upstream.getInstructions(),
  });
  server.setRequestHandler(ListToolsRequestSchema, async (request, extra) => {
    const page = await upstream.listTools(request.params, { signal: extra.signal });
    hints.record(page.tools);
    return page;
  });
  server.setRequestHandler(CallToolRequestSchema, async (request, extra) => {
    const params: CallToolParams = request.params;
    if (!hints.known(params.name) && !options.tools?.[params.name]?.risk) hints.record(await listAll(upstream).catch(() => []));
    const tool = resolveTool(params.name, defaults, hints.risk(params.name));
    try {
      await checkCall(options, tool, params.arguments, extra.signal);
    } catch (error) {
      if (isBlocked(error)) return deniedToolResult(error);
      throw error;
    }
    return (await upstream.callTool(params, undefined, { signal: extra.signal })) as CallToolResult;
  });
  return server;
}
