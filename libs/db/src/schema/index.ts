export * from './control-plane/index.js';
export * from './ledger/index.js';
