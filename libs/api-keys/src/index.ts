export { API_KEY_ROLES, generateApiKey, hashApiKey, verifiedApiKeyHash, type ApiKeyRole, type IssuedApiKey } from './api-key.js';
