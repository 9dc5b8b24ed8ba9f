// @thoth/sdk/ai: Vercel AI SDK tools (`tool()` from `ai`) behind Decide.
export { guardTools, guardTool } from './ai-guard.js';
