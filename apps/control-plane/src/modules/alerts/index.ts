// The alerts context's offer to the others: its module, its commands, queries and events, and
// the webhook signature check alert receivers use (re-exported by control-plane.ts).
export { AlertsModule } from './alerts.module.js';
export { verifyAlertSignature, type AlertSignatureCheck } from './domain/alert-signature.js';
export { type CreateAlertDestinationInput, CreateAlertDestinationCommand } from './commands/create-alert-destination/create-alert-destination.command.js';
export { DeleteAlertDestinationCommand } from './commands/delete-alert-destination/delete-alert-destination.command.js';
export { RedeliverAlertCommand } from './commands/redeliver-alert/redeliver-alert.command.js';
export { RotateAlertDestinationSecretCommand } from './commands/rotate-alert-destination-secret/rotate-alert-destination-secret.command.js';
export { GetAlertDestinationQuery } from './queries/get-alert-destination/get-alert-destination.query.js';
export { GetAlertQuery } from './queries/get-alert/get-alert.query.js';
export { ListAlertDestinationsQuery } from './queries/list-alert-destinations/list-alert-destinations.query.js';
export { type AlertPage, ListAlertsQuery } from './queries/list-alerts/list-alerts.query.js';
export * from './domain/events/index.js';
