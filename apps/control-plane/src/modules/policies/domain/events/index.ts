import type { PolicyModeChanged } from './policy-mode-changed.event.js';
import type { PolicyRolledBack } from './policy-rolled-back.event.js';
import type { PolicyVersionPublished } from './policy-version-published.event.js';

export * from './policy-mode-changed.event.js';
export * from './policy-rolled-back.event.js';
export * from './policy-version-published.event.js';

export type PolicyEvent = PolicyVersionPublished | PolicyRolledBack | PolicyModeChanged;
