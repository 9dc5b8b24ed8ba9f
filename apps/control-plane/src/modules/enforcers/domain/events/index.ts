import type { EnforcerConfigActivated } from './enforcer-config-activated.event.js';
import type { EnforcerConfigRejected } from './enforcer-config-rejected.event.js';
import type { EnforcerDecommissioned } from './enforcer-decommissioned.event.js';
import type { EnforcerReceiptKeyAnnounced } from './enforcer-receipt-key-announced.event.js';
import type { EnforcerRegistered } from './enforcer-registered.event.js';
import type { EnforcerSeen } from './enforcer-seen.event.js';

export * from './enforcer-config-activated.event.js';
export * from './enforcer-config-rejected.event.js';
export * from './enforcer-decommissioned.event.js';
export * from './enforcer-receipt-key-announced.event.js';
export * from './enforcer-registered.event.js';
export * from './enforcer-seen.event.js';

export type EnforcerEvent = EnforcerRegistered | EnforcerConfigActivated | EnforcerConfigRejected | EnforcerSeen | EnforcerReceiptKeyAnnounced | EnforcerDecommissioned;
