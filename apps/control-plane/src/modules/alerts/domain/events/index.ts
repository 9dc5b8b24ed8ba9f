import type { AlertDestinationCreated } from './alert-destination-created.event.js';
import type { AlertDestinationDeleted } from './alert-destination-deleted.event.js';
import type { AlertDestinationSecretRotated } from './alert-destination-secret-rotated.event.js';

export * from './alert-destination-created.event.js';
export * from './alert-destination-deleted.event.js';
export * from './alert-destination-secret-rotated.event.js';

export type AlertDestinationEvent = AlertDestinationCreated | AlertDestinationSecretRotated | AlertDestinationDeleted;
