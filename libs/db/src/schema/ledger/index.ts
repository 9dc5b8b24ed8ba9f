// Tables of the ledger: the append-only decision log, its Merkle nodes and checkpoints.
export {};
