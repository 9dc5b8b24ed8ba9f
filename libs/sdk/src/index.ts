// @thoth/sdk: every tool call of an agent goes through the Thoth enforcer's Decide
// before it runs. Framework adapters live in their own entry points (`@thoth/sdk/mcp`,
// `/ai`, `/openai-agents`, `/langchain`), so an agent installs only the framework it uses.
export { Thoth, guard } from './guard/guard.js';
export type { CredentialSource, GateCall, GuardEvent, ThothOptions, ThothSettings, ToolPolicy } from './guard/guard.js';
export { failModeFor, isRisk, RISKS } from './guard/fail-mode.js';
export type { FailMode, FailModeOptions, Risk } from './guard/fail-mode.js';
export { ThothClient, ThothTransportError, DEFAULT_DEADLINE_MS } from './client/thoth-client.js';
export type { ApprovalOptions, ApprovalStatusInfo, DecideOptions, ThothClientOptions, ToolCall } from './client/thoth-client.js';
export { isRetryable, shouldRetry, backoffMs, DEFAULT_MAX_ATTEMPTS, DEFAULT_BACKOFF_MS } from './client/retry.js';
export type { RetryOptions } from './client/retry.js';
export { credentialFingerprint } from './client/credential.js';
export type { Decision, MatchedRuleInfo, PendingApproval } from './client/decision.js';
export { ThothApprovalRequiredError, ThothDeniedError, ThothUnavailableError, approvalRequiredMessage, deniedMessage, unavailableMessage } from './errors.js';
