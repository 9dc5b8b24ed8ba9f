import { createHash } from 'node:crypto';
import { compilePolicy, type PolicyError as PolicySourceError } from '@thoth/policy';
import { PolicyError } from './policy.errors.js';

export type PolicyFormat = 'yaml' | 'json';

/** Largest policy source accepted, in UTF-8 bytes. */
export const MAX_POLICY_BYTES = 1024 * 1024;

/** What a dry run says about a source: the engine's verdict and, when valid, what it holds. */
export type PolicyValidation =
  | {
      readonly ok: true;
      readonly contentHash: string;
      readonly document: { readonly name: string; readonly version: string };
      readonly size: { readonly rules: number; readonly limits: number; readonly freezes: number; readonly sequences: number };
    }
  | { readonly ok: false; readonly errors: readonly PolicySourceError[] };

/** Lowercase hex SHA-256 of the source exactly as authored (proto `PolicyDocument.content_hash`). */
export function policyContentHash(source: string): string {
  return createHash('sha256').update(source, 'utf8').digest('hex');
}

/** Compiles the source with the same engine the enforcers run, and reports without throwing. */
export function validatePolicySource(source: string, format: PolicyFormat): PolicyValidation {
  const bytes = Buffer.byteLength(source, 'utf8');
  if (bytes > MAX_POLICY_BYTES) {
    return {
      ok: false,
      errors: [{ code: 'policy.too_large', message: `policy source is ${bytes} bytes; the limit is ${MAX_POLICY_BYTES}`, path: '', line: 1, column: 1 }],
    };
  }
  const result = compilePolicy(source, { format });
  if (!result.ok) return { ok: false, errors: result.errors };
  const { name, version, size } = result.policy;
  return { ok: true, contentHash: policyContentHash(source), document: { name, version }, size };
}

/** Like `validatePolicySource`, but an invalid source is a `policy.invalid` error carrying every problem. */
export function assertValidPolicySource(source: string, format: PolicyFormat): Extract<PolicyValidation, { ok: true }> {
  const result = validatePolicySource(source, format);
  if (result.ok) return result;
  const [first] = result.errors;
  const where = first === undefined ? '' : ` (first: ${first.message} at line ${first.line}, column ${first.column})`;
  throw new PolicyError('policy.invalid', 'invalid', `policy is invalid: ${result.errors.length} problem(s)${where}`, result.errors);
}
