// What the one-process launcher (apps/thoth) composes besides `startEnforcer`: the decision logs.
export { startEnforcer, type EnforcerOptions, type RunningEnforcer } from './enforcer.js';
export type { DecisionLog, DecisionLogStats } from './emit/decision-log.js';
export { InProcessDecisionLog, type DecisionSubscriber } from './emit/in-process-decision-log.js';
export { KafkaDecisionLog } from './emit/kafka-decision-log.js';
export { silentLogger, type Logger } from './logger.js';
