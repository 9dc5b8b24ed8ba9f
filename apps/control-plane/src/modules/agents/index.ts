// The agents context's offer to the others: its module, its commands, queries and events, the
// read model (the snapshot builder, credential governance and the policy replay read agents by
// tenant), and the aggregate with its errors for a context that checks an agent inside its own
// command (credentials: a credential is linked to a live agent only).
export { AgentsModule } from './agents.module.js';
export { AgentsRepository } from './storage/agents.repository.js';
export { Agent, agentStreamId, type AgentStatus } from './domain/agent.aggregate.js';
export { AgentError, type AgentErrorCode } from './domain/agent.errors.js';
export { LabelAgentCommand } from './commands/label-agent/label-agent.command.js';
export { type RegisteredAgent, RegisterAgentCommand } from './commands/register-agent/register-agent.command.js';
export { ResumeAgentCommand } from './commands/resume-agent/resume-agent.command.js';
export { RetireAgentCommand } from './commands/retire-agent/retire-agent.command.js';
export { SuspendAgentCommand } from './commands/suspend-agent/suspend-agent.command.js';
export { type AgentView, GetAgentQuery } from './queries/get-agent/get-agent.query.js';
export { ListAgentsQuery } from './queries/list-agents/list-agents.query.js';
export * from './domain/events/index.js';
