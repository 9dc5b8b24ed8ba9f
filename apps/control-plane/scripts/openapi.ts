import 'reflect-metadata';
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
// Importing the application registers every route's @Operation.
import '../src/app.module.js';
import { buildOpenApiDocument } from '../src/platform/openapi/openapi-document.js';

// `pnpm openapi`: writes the committed OpenAPI document; a test fails when it differs from the served one.
const target = fileURLToPath(new URL('../openapi.json', import.meta.url));
writeFileSync(target, JSON.stringify(buildOpenApiDocument(), null, 2) + '\n');
console.log(`wrote ${target}`);
