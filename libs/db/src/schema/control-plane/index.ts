// Tables of the control plane: the event store and the read models projected from it.
export * from './events.table.js';
