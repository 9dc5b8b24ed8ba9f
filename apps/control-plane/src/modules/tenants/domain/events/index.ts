import type { ApiKeyIssued } from './api-key-issued.event.js';
import type { ApiKeyRevoked } from './api-key-revoked.event.js';
import type { TenantFailModeChosen } from './tenant-fail-mode-chosen.event.js';
import type { TenantModeSwitched } from './tenant-mode-switched.event.js';
import type { TenantRetentionSet } from './tenant-retention-set.event.js';
import type { TenantSignedUp } from './tenant-signed-up.event.js';

// The Tenant stream's events. Type names are stable strings; a payload change bumps its
// schemaVersion (and gets an upcaster), never silently reshapes what is stored.
export * from './api-key-issued.event.js';
export * from './api-key-revoked.event.js';
export * from './tenant-fail-mode-chosen.event.js';
export * from './tenant-mode-switched.event.js';
export * from './tenant-retention-set.event.js';
export * from './tenant-signed-up.event.js';

export type TenantEvent = TenantSignedUp | TenantModeSwitched | TenantFailModeChosen | TenantRetentionSet | ApiKeyIssued | ApiKeyRevoked;
