// @thoth/sdk/openai-agents: OpenAI Agents SDK function tools (`tool()` from `@openai/agents`) behind Decide.
export { guardAgentTool, guardAgentTools } from './agents-guard.js';
export type { AgentsGuardOptions } from './agents-guard.js';
