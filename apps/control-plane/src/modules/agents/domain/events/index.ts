import type { AgentLabeled } from './agent-labeled.event.js';
import type { AgentRegistered } from './agent-registered.event.js';
import type { AgentResumed } from './agent-resumed.event.js';
import type { AgentRetired } from './agent-retired.event.js';
import type { AgentSuspended } from './agent-suspended.event.js';

export * from './agent-labeled.event.js';
export * from './agent-registered.event.js';
export * from './agent-resumed.event.js';
export * from './agent-retired.event.js';
export * from './agent-suspended.event.js';

export type AgentEvent = AgentRegistered | AgentLabeled | AgentSuspended | AgentResumed | AgentRetired;
