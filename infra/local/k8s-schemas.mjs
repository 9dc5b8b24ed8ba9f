// Kubernetes JSON schemas for kubeconform, made offline from the API's own OpenAPI (v2)
// specification and a CRD, in kubeconform's standalone-strict layout: one file per kind and
// group version, `<kind>-<group's first label>-<version>.json` (`<kind>-<version>.json` for the core
// group), every $ref inlined, objects closed (additionalProperties: false) so that a misspelt
// field fails. Written here rather than taken from PyPI's openapi2jsonschema because that one
// fetches its input over HTTP and needs a Python environment, while this needs the two files
// the Go module proxy gave us and Node alone; the rules are the same as kubeconform's own
// openapi2jsonschema.py (int-or-string, nullable optional fields, strict objects).
//
//   node k8s-schemas.mjs <out dir> <swagger.json> <CRD as JSON>...
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { argv, exit, stderr, stdout } from 'node:process';

const [outDir, swaggerPath, ...crdPaths] = argv.slice(2);
if (!outDir || !swaggerPath) {
  stderr.write('usage: node k8s-schemas.mjs <out dir> <swagger.json> [<crd.json>…]\n');
  exit(2);
}

/** A copy of a schema with its $refs inlined (a reference back into itself becomes `{}`), made strict. */
function standalone(schema, definitions, resolving = new Set()) {
  if (Array.isArray(schema)) return schema.map((s) => standalone(s, definitions, resolving));
  if (schema === null || typeof schema !== 'object') return schema;
  if (typeof schema.$ref === 'string') {
    const name = schema.$ref.replace('#/definitions/', '');
    if (resolving.has(name)) return {};
    const target = definitions[name];
    if (!target) throw new Error(`unresolved $ref ${schema.$ref}`);
    return standalone(target, definitions, new Set([...resolving, name]));
  }
  // Quantities (resources: cpu: 1) and int-or-string (ports, maxUnavailable) take either form.
  if (schema.format === 'int-or-string' || schema['x-kubernetes-int-or-string'] === true) return { oneOf: [{ type: 'string' }, { type: 'integer' }] };
  if (schema.format === 'quantity') return { oneOf: [{ type: 'string' }, { type: 'number' }] };
  const out = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key === 'description' || key.startsWith('x-kubernetes-')) continue;
    out[key] = key === 'properties' ? Object.fromEntries(Object.entries(value).map(([p, s]) => [p, standalone(s, definitions, resolving)])) : standalone(value, definitions, resolving);
  }
  if (out.properties) {
    out.additionalProperties ??= false;
    // An optional field may be null (helm renders `key:` with nothing after it as null).
    const required = new Set(out.required ?? []);
    for (const [name, property] of Object.entries(out.properties)) {
      if (!required.has(name) && typeof property.type === 'string') property.type = [property.type, 'null'];
    }
  }
  return out;
}

/** kubeconform's file name for a kind in a group version. */
function fileName(kind, group, version) {
  const groupLabel = group === '' ? '' : `-${group.split('.')[0]}`;
  return `${kind.toLowerCase()}${groupLabel}-${version}.json`.toLowerCase();
}

const swagger = JSON.parse(readFileSync(swaggerPath, 'utf8'));
// The API server's quantities are strings in the specification; it accepts numbers too.
swagger.definitions['io.k8s.apimachinery.pkg.api.resource.Quantity'] = { format: 'quantity' };
mkdirSync(outDir, { recursive: true });
let written = 0;
for (const [name, definition] of Object.entries(swagger.definitions)) {
  const kinds = definition['x-kubernetes-group-version-kind'];
  // One kind per definition: WatchEvent and DeleteOptions (listed under every group) are not manifests.
  if (!Array.isArray(kinds) || kinds.length !== 1) continue;
  const [{ group, version, kind }] = kinds;
  writeFileSync(join(outDir, fileName(kind, group, version)), JSON.stringify(standalone(definition, swagger.definitions, new Set([name]))));
  written += 1;
}
for (const crdPath of crdPaths) {
  const crd = JSON.parse(readFileSync(crdPath, 'utf8'));
  for (const version of crd.spec.versions) {
    writeFileSync(join(outDir, fileName(crd.spec.names.kind, crd.spec.group, version.name)), JSON.stringify(standalone(version.schema.openAPIV3Schema, {})));
    written += 1;
  }
}
stdout.write(`[k8s-tools] ${written} schemas written to ${outDir}\n`);
