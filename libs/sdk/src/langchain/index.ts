// @thoth/sdk/langchain: LangChain.js tools (`tool()`, DynamicStructuredTool, any StructuredTool) behind Decide.
export { guardLangChainTool, guardLangChainTools } from './langchain-guard.js';
