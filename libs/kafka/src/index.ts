export { kafkaLogCreator, type KafkaLog } from './kafka-logger.js';
export { kafkaClient, kafkaClientConfig, KafkaConnectionError, readKafkaConnection, KAFKA_CONNECTION_VARIABLES, type KafkaConnection, type ScramMechanism } from './kafka-connection.js';
export { accessAcls, accessTableMarkdown, ACCESS_TABLE_PATH, parseAccessTable, readAccessTable, type AccessGrant, type AccessNames } from './access-table.js';
import kafkajs from 'kafkajs';
export { logLevel, type Admin, type Kafka } from 'kafkajs';
/** From the default export: Node's ESM loader does not see it among kafkajs' (CommonJS) named exports. */
export const ConfigResourceTypes = kafkajs.ConfigResourceTypes;
export { ensureCompactedTopic } from './compacted-topic.js';
export { startReceiptKeyConsumer, type ReceiptKeyConsumer, type ReceiptKeyConsumerOptions, type ReceiptKeyRecords } from './receipt-key-consumer.js';
