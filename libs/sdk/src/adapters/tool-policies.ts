import type { ApprovalOptions } from '../client/thoth-client.js';
import type { CredentialSource, Thoth } from '../guard/guard.js';
import type { Risk } from '../guard/fail-mode.js';

/** How one framework tool is gated; every field optional. */
export interface ToolOverride {
  /** Name policies match; default `toolName(<framework tool name>)`. */
  readonly name?: string;
  readonly risk?: Risk;
  /** What the call touches, from its (parsed) arguments. */
  readonly resource?: (args: never) => string | undefined;
  readonly credential?: CredentialSource;
  /** Whether a call of this tool held for approval waits for a person (default: the client's `approval`). */
  readonly approval?: ApprovalOptions;
}

/** What every framework adapter takes. */
export interface AdapterOptions {
  readonly thoth: Thoth;
  /** Per tool, by the framework's tool name. */
  readonly tools?: Readonly<Record<string, ToolOverride>>;
  /** Risk of a tool neither `tools` nor the framework classifies. Default `write` (MCP: as its annotations say). */
  readonly defaultRisk?: Risk;
  /** The name policies see for a framework tool name, e.g. `(n) => \`crm.${n}\``. Default: unchanged. */
  readonly toolName?: (name: string) => string;
}

export interface ResolvedTool {
  readonly name: string;
  readonly risk: Risk;
  readonly resource: ((args: unknown) => string | undefined) | undefined;
  readonly credential: CredentialSource | undefined;
  readonly approval: ApprovalOptions | undefined;
}

/** The gate's view of one framework tool: explicit override, else the framework's hint, else the default. */
export function resolveTool(frameworkName: string, options: AdapterOptions, hintedRisk?: Risk): ResolvedTool {
  const override = options.tools?.[frameworkName];
  return {
    name: override?.name ?? options.toolName?.(frameworkName) ?? frameworkName,
    risk: override?.risk ?? hintedRisk ?? options.defaultRisk ?? 'write',
    resource: override?.resource as ((args: unknown) => string | undefined) | undefined,
    credential: override?.credential,
    approval: override?.approval,
  };
}
