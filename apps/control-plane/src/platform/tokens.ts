// Injection tokens for what is not a class of ours.
export const CONFIG = Symbol('ControlPlaneConfig');
export const LOGGER = Symbol('pino.Logger');
export const DATABASE = Symbol('DatabaseHandle');
