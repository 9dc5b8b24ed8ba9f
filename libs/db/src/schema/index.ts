export * from './events.table.js';
