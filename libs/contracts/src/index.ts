// Wire contracts, generated from proto/ by `pnpm gen` into ./gen (never edited by hand).
export * from './gen/thoth/decision/v1/decision_pb.js';
export * from './gen/thoth/decision/v1/enforcer_pb.js';
export * from './gen/thoth/config/v1/config_pb.js';
// Reading and validating a DecisionEvent off the decision stream, as every consumer of it does.
export * from './decision-event.js';
// What a caller may name in a DecideRequest: the enforcer refuses the rest before recording it.
export * from './request-fields.js';
