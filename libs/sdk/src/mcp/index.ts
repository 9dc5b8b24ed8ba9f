// @thoth/sdk/mcp: Thoth in front of Model Context Protocol tools, from either side:
// a guarded Client (every callTool decided first) and a guarding proxy Server that
// serves an upstream server's tools behind Decide.
export { guardMcpClient, createGuardingProxy, riskFromAnnotations, deniedToolResult } from './mcp-guard.js';
export type { McpGuardOptions, GuardingProxyOptions } from './mcp-guard.js';
