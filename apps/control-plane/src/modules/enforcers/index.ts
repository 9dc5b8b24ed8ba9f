// The enforcers context's offer to the others: its module, its commands, queries and events,
// and the config stream's ports it owns (distribution's ConfigStreamServer calls them; this
// context implements them with the token lookup and the status recorder).
export { EnforcersModule } from './enforcers.module.js';
export { EnforcerTokenAuthenticator } from './config-stream/enforcer-token.authenticator.js';
export { EnforcerStatusRecorder } from './config-stream/enforcer-status.recorder.js';
export type { AckEvent, EnforcerAuthenticator, EnforcerIdentity, EnforcerStatusSink, NackEvent, StreamEvent } from './config-stream/enforcer-status.js';
export { DecommissionEnforcerCommand } from './commands/decommission-enforcer/decommission-enforcer.command.js';
export { MarkEnforcerSeenCommand } from './commands/mark-enforcer-seen/mark-enforcer-seen.command.js';
export { RecordEnforcerActivationCommand } from './commands/record-enforcer-activation/record-enforcer-activation.command.js';
export { RecordEnforcerRejectionCommand } from './commands/record-enforcer-rejection/record-enforcer-rejection.command.js';
export { RecordReceiptKeyCommand } from './commands/record-receipt-key/record-receipt-key.command.js';
export { type RegisteredEnforcer, RegisterEnforcerCommand } from './commands/register-enforcer/register-enforcer.command.js';
export { type EnforcerView, GetEnforcerQuery } from './queries/get-enforcer/get-enforcer.query.js';
export { ListEnforcersQuery } from './queries/list-enforcers/list-enforcers.query.js';
export { ListReceiptKeysQuery, type ReceiptKeyView } from './queries/list-receipt-keys/list-receipt-keys.query.js';
export * from './domain/events/index.js';
export { enforcerOfStream } from './domain/enforcer.aggregate.js';
