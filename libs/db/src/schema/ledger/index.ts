// Tables of the ledger: the append-only decision log, its Merkle nodes and checkpoints.
export * from './entries.table.js';
export * from './nodes.table.js';
export * from './trees.table.js';
export * from './offsets.table.js';
export * from './quarantine.table.js';
export * from './checkpoints.table.js';
