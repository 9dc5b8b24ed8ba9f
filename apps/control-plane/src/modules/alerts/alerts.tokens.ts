// Injection tokens of the alerts context for what is not a class of ours.
export const ALERTS_CONFIG = Symbol('AlertsConfig');
export const ADDRESS_RESOLVER = Symbol('AlertAddressResolver');
