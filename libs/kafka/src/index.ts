export { kafkaLogCreator } from './kafka-logger.js';
