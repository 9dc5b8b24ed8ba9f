import schemaJson from '../../schema/policy.v1.schema.json' with { type: 'json' };
import type { PolicyError } from '../types.js';
import { makeError, type Path, type SourceDoc } from './source.js';

export const POLICY_API_VERSION = 'thoth.dev/policy/v1';
export const POLICY_KIND = 'Policy';

/** The subset of JSON Schema 2020-12 that policy.v1.schema.json uses. */
export interface SchemaNode {
  readonly $ref?: string;
  readonly type?: 'object' | 'array' | 'string' | 'integer' | 'number' | 'boolean';
  readonly const?: unknown;
  readonly enum?: readonly unknown[];
  readonly properties?: Readonly<Record<string, SchemaNode>>;
  readonly additionalProperties?: boolean | SchemaNode;
  readonly required?: readonly string[];
  readonly items?: SchemaNode;
  readonly minItems?: number;
  readonly maxItems?: number;
  readonly minLength?: number;
  readonly maxLength?: number;
  readonly pattern?: string;
  readonly minimum?: number;
  readonly maximum?: number;
  readonly description?: string;
  readonly $defs?: Readonly<Record<string, SchemaNode>>;
}

/** The published schema; the compiler validates with it, so the two cannot drift. */
export const POLICY_SCHEMA = schemaJson as SchemaNode;

const patterns = new Map<string, RegExp>();

function resolve(node: SchemaNode): SchemaNode {
  let n = node;
  while (n.$ref !== undefined) {
    const name = n.$ref.replace('#/$defs/', '');
    const target = POLICY_SCHEMA.$defs?.[name];
    if (target === undefined) throw new Error(`schema: unresolved ${n.$ref}`);
    n = { ...target, ...(n.description !== undefined ? { description: n.description } : {}) };
  }
  return n;
}

function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

function fits(type: NonNullable<SchemaNode['type']>, v: unknown): boolean {
  switch (type) {
    case 'object':
      return typeof v === 'object' && v !== null && !Array.isArray(v);
    case 'array':
      return Array.isArray(v);
    case 'integer':
      return typeof v === 'number' && Number.isSafeInteger(v);
    case 'number':
      return typeof v === 'number' && Number.isFinite(v);
    default:
      return typeof v === type;
  }
}

/** Validates `value` against the policy schema; errors point at the offending node. */
export function validateDocument(doc: SourceDoc): PolicyError[] {
  const errors: PolicyError[] = [];
  check(POLICY_SCHEMA, doc.value, [], doc, errors);
  return errors;
}

function check(raw: SchemaNode, v: unknown, path: Path, doc: SourceDoc, errors: PolicyError[]): void {
  if (errors.length >= 100) return;
  const s = resolve(raw);
  const at = path.length === 0 ? 'document' : `'${path.join('.')}'`;
  if (s.const !== undefined && v !== s.const) {
    errors.push(makeError(doc, 'schema.enum', `${at} must be ${JSON.stringify(s.const)}`, path));
    return;
  }
  if (s.enum !== undefined && !s.enum.includes(v)) {
    errors.push(makeError(doc, 'schema.enum', `${at} must be one of ${s.enum.map((e) => JSON.stringify(e)).join(', ')}`, path));
    return;
  }
  if (s.type !== undefined && !fits(s.type, v)) {
    errors.push(makeError(doc, 'schema.type', `${at} must be ${s.type === 'integer' ? 'an integer' : `a${s.type === 'object' || s.type === 'array' ? 'n' : ''} ${s.type}`}, got ${typeName(v)}`, path));
    return;
  }
  if (typeof v === 'string') {
    if (s.minLength !== undefined && v.length < s.minLength) errors.push(makeError(doc, 'schema.size', `${at} must not be empty`, path));
    if (s.maxLength !== undefined && v.length > s.maxLength) errors.push(makeError(doc, 'schema.size', `${at} is longer than ${s.maxLength} characters`, path));
    if (s.pattern !== undefined) {
      let re = patterns.get(s.pattern);
      if (re === undefined) patterns.set(s.pattern, (re = new RegExp(s.pattern, 'u')));
      if (!re.test(v)) errors.push(makeError(doc, 'schema.pattern', `${at} ${JSON.stringify(v)} does not match ${s.pattern}`, path));
    }
  }
  if (typeof v === 'number' && s.minimum !== undefined && v < s.minimum) {
    errors.push(makeError(doc, 'schema.range', `${at} must be at least ${s.minimum}`, path));
  }
  if (typeof v === 'number' && s.maximum !== undefined && v > s.maximum) {
    errors.push(makeError(doc, 'schema.range', `${at} must be at most ${s.maximum}`, path));
  }
  if (Array.isArray(v)) {
    if (s.minItems !== undefined && v.length < s.minItems) errors.push(makeError(doc, 'schema.size', `${at} needs at least ${s.minItems} item(s)`, path));
    if (s.maxItems !== undefined && v.length > s.maxItems) errors.push(makeError(doc, 'schema.size', `${at} has more than ${s.maxItems} items`, path));
    if (s.items !== undefined) for (let i = 0; i < v.length; i++) check(s.items, v[i], [...path, i], doc, errors);
  }
  if (typeof v === 'object' && v !== null && !Array.isArray(v)) {
    const obj = v as Record<string, unknown>;
    for (const req of s.required ?? []) {
      if (!(req in obj)) errors.push(makeError(doc, 'schema.missing_field', `${at} is missing required field '${req}'`, path));
    }
    for (const [k, child] of Object.entries(obj)) {
      const prop = s.properties?.[k];
      if (prop !== undefined) check(prop, child, [...path, k], doc, errors);
      else if (s.additionalProperties === false) {
        const known = Object.keys(s.properties ?? {});
        errors.push(makeError(doc, 'schema.unknown_field', `unknown field '${k}' in ${at}; expected one of: ${known.join(', ')}`, [...path, k], true));
      } else if (typeof s.additionalProperties === 'object') check(s.additionalProperties, child, [...path, k], doc, errors);
    }
  }
}

// ---- Shapes of a schema-valid document (what the compiler reads) ----

export interface AgentSelectorDoc {
  ids?: string[];
  labels?: Record<string, string>;
  environments?: string[];
}
export interface MatchDoc {
  agents?: AgentSelectorDoc;
  tools?: string[];
  resources?: string[];
}
interface ElementDoc {
  id: string;
  description?: string;
  match?: MatchDoc;
  severity?: 'low' | 'medium' | 'high' | 'critical';
  mode?: 'enforce' | 'shadow';
  reason?: string;
}
/** `approval` of an element that can ask for approval (docs/approvals.md). */
export interface ApprovalDoc {
  expiresIn: string;
}
export type HoldEffectDoc = 'deny' | 'approve';
export interface RuleDoc extends ElementDoc {
  when?: string;
  effect: 'allow' | 'deny' | 'approve';
  approval?: ApprovalDoc;
}
export interface LimitDoc extends ElementDoc {
  when?: string;
  records?: string;
  unboundedWhen?: string;
  maxPerCall?: number;
  window?: { duration: string; maxCalls?: number; maxRecords?: number };
  scope?: 'tenant' | 'agent' | 'agent_tool' | 'agent_resource' | 'credential' | 'tool' | 'resource';
  consistency?: 'eventual' | 'strict';
  effect?: HoldEffectDoc;
  approval?: ApprovalDoc;
}
export interface FreezeDoc extends ElementDoc {
  timeZone?: string;
  ranges?: { start: string; end: string }[];
  weekly?: { days: string[]; start: string; end: string }[];
  exceptions?: { name: string; agents?: AgentSelectorDoc; tools?: string[]; resources?: string[]; effect?: 'flag' | 'approve'; approval?: ApprovalDoc }[];
  effect?: HoldEffectDoc;
  approval?: ApprovalDoc;
}
export interface StepDoc {
  tools?: string[];
  resources?: string[];
  when?: string;
}
export interface SequenceDoc extends ElementDoc {
  after: StepDoc;
  then: StepDoc;
  within: string;
  sameResource?: boolean;
  scope?: 'agent' | 'tenant';
  minCalls?: number;
  effect?: HoldEffectDoc;
  approval?: ApprovalDoc;
}
export interface BindingDoc {
  fingerprint: string;
  agents?: string[];
  resources?: string[];
  cidrs?: string[];
  regions?: string[];
  onViolation?: 'deny' | 'flag' | 'approve';
  approval?: ApprovalDoc;
}
export type DriftActionDoc = 'deny' | 'alert' | 'observe' | 'approve';
type SeverityDoc = 'low' | 'medium' | 'high' | 'critical';
export interface DriftCheckDoc {
  enabled?: boolean;
  action?: DriftActionDoc;
  severity?: SeverityDoc;
  approval?: ApprovalDoc;
}
export interface DriftRateCheckDoc extends DriftCheckDoc {
  factor?: number;
  minCalls?: number;
}
export interface DriftHoursCheckDoc extends DriftCheckDoc {
  minCalls?: number;
  window?: string;
  slackHours?: number;
}
export interface DriftDoc {
  action?: DriftActionDoc;
  severity?: SeverityDoc;
  approval?: ApprovalDoc;
  subjects?: ('credential' | 'agent')[];
  minObservations?: number;
  checks?: {
    resources?: DriftCheckDoc;
    locations?: DriftCheckDoc;
    tools?: DriftCheckDoc;
    rate?: DriftRateCheckDoc;
    hours?: DriftHoursCheckDoc;
  };
}
export type RiskTierDoc = 'read' | 'write' | 'destructive';
export type FailModeDoc = 'open' | 'closed';
export interface TierDoc {
  tools: string[];
  tier: RiskTierDoc;
}
export interface EvaluationDoc {
  budget?: string;
}
export interface DecisionLogFullDoc {
  write?: FailModeDoc;
  read?: FailModeDoc;
}
export interface PolicyDoc {
  apiVersion: string;
  kind: string;
  metadata: { name: string; version: string; description?: string };
  defaults: { effect: 'allow' | 'deny'; mode?: 'enforce' | 'shadow'; approvalExpiresIn?: string };
  rules?: RuleDoc[];
  limits?: LimitDoc[];
  freezes?: FreezeDoc[];
  sequences?: SequenceDoc[];
  credentials?: {
    onViolation?: 'deny' | 'flag' | 'approve';
    approval?: ApprovalDoc;
    unbound?: 'allow' | 'flag' | 'deny';
    requireCredential?: boolean;
    severity?: 'low' | 'medium' | 'high' | 'critical';
    mode?: 'enforce' | 'shadow';
    bindings?: BindingDoc[];
  };
  drift?: DriftDoc;
  tiers?: TierDoc[];
  evaluation?: EvaluationDoc;
  decisionLogFull?: DecisionLogFullDoc;
}

// ---- The schema and these shapes stay in sync: `tsc` fails if a property is added to one only ----

type Keys<T> = keyof T & string;
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Assert<T extends true> = T;
type Defs = (typeof schemaJson)['$defs'];
type Props<D extends keyof Defs> = Defs[D] extends { properties: infer P } ? Keys<P> : never;
type Sub<T, K extends keyof T> = Keys<NonNullable<T[K]>>;

/** Compile-time proof that every field the schema defines is one the compiler reads, and back. */
export type SchemaMatchesCompiler = [
  Assert<Same<Keys<(typeof schemaJson)['properties']>, Keys<PolicyDoc>>>,
  Assert<Same<Keys<(typeof schemaJson)['properties']['metadata']['properties']>, Sub<PolicyDoc, 'metadata'>>>,
  Assert<Same<Keys<(typeof schemaJson)['properties']['defaults']['properties']>, Sub<PolicyDoc, 'defaults'>>>,
  Assert<Same<Props<'agentSelector'>, Keys<AgentSelectorDoc>>>,
  Assert<Same<Props<'match'>, Keys<MatchDoc>>>,
  Assert<Same<Props<'rule'>, Keys<RuleDoc>>>,
  Assert<Same<Props<'limit'>, Keys<LimitDoc>>>,
  Assert<Same<Keys<Defs['limit']['properties']['window']['properties']>, Sub<LimitDoc, 'window'>>>,
  Assert<Same<Props<'freeze'>, Keys<FreezeDoc>>>,
  Assert<Same<Props<'weeklyWindow'>, Keys<NonNullable<FreezeDoc['weekly']>[number]>>>,
  Assert<Same<Keys<Defs['freeze']['properties']['ranges']['items']['properties']>, Keys<NonNullable<FreezeDoc['ranges']>[number]>>>,
  Assert<Same<Keys<Defs['freeze']['properties']['exceptions']['items']['properties']>, Keys<NonNullable<FreezeDoc['exceptions']>[number]>>>,
  Assert<Same<Props<'step'>, Keys<StepDoc>>>,
  Assert<Same<Props<'sequence'>, Keys<SequenceDoc>>>,
  Assert<Same<Props<'binding'>, Keys<BindingDoc>>>,
  Assert<Same<Props<'credentials'>, Sub<PolicyDoc, 'credentials'>>>,
  Assert<Same<Props<'drift'>, Keys<DriftDoc>>>,
  Assert<Same<Keys<Defs['drift']['properties']['checks']['properties']>, Sub<DriftDoc, 'checks'>>>,
  Assert<Same<Props<'driftCheck'>, Keys<DriftCheckDoc>>>,
  Assert<Same<Props<'driftRateCheck'>, Keys<DriftRateCheckDoc>>>,
  Assert<Same<Props<'driftHoursCheck'>, Keys<DriftHoursCheckDoc>>>,
  Assert<Same<Props<'tier'>, Keys<TierDoc>>>,
  Assert<Same<Props<'approval'>, Keys<ApprovalDoc>>>,
  Assert<Same<Keys<(typeof schemaJson)['properties']['evaluation']['properties']>, Keys<EvaluationDoc>>>,
  Assert<Same<Keys<(typeof schemaJson)['properties']['decisionLogFull']['properties']>, Keys<DecisionLogFullDoc>>>,
];
