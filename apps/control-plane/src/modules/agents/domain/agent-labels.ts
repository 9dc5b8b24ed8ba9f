import { AgentError } from './agent.errors.js';

export const MAX_LABELS = 64;
const MAX_VALUE_LENGTH = 256;
// Kubernetes' label syntax: an optional DNS-subdomain prefix and a 63-character name.
const NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const PREFIX = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const RESERVED_PREFIX = 'thoth.dev';
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;

/** Throws unless `key` is `[prefix/]name` as Kubernetes labels are; `thoth.dev/` is ours. */
export function assertLabelKey(key: string): void {
  const slash = key.indexOf('/');
  const prefix = slash < 0 ? undefined : key.slice(0, slash);
  const name = slash < 0 ? key : key.slice(slash + 1);
  const field = `/labels/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`;
  if (!NAME.test(name) || (prefix !== undefined && (prefix.length > 253 || !PREFIX.test(prefix)))) {
    throw new AgentError('agent.invalid_label', 'invalid', `label key '${key}' must be an optional DNS-subdomain prefix and '/' followed by 1-63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit`, field);
  }
  if (prefix === RESERVED_PREFIX || prefix?.endsWith(`.${RESERVED_PREFIX}`)) {
    throw new AgentError('agent.invalid_label', 'invalid', `label prefix '${prefix}/' is reserved for Thoth`, field);
  }
}

export function assertLabelValue(key: string, value: string): void {
  if (value.length > MAX_VALUE_LENGTH || CONTROL.test(value)) {
    throw new AgentError('agent.invalid_label', 'invalid', `label '${key}' must have a value of at most ${MAX_VALUE_LENGTH} characters without control characters`, `/labels/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`);
  }
}

/** Validates a whole label map and returns a copy with sorted keys (stable hashing, stable diffs). */
export function normalizeLabels(labels: Readonly<Record<string, string>>): Record<string, string> {
  const keys = Object.keys(labels).sort();
  if (keys.length > MAX_LABELS) {
    throw new AgentError('agent.too_many_labels', 'invalid', `an agent has at most ${MAX_LABELS} labels, got ${keys.length}`, '/labels');
  }
  const out: Record<string, string> = {};
  for (const key of keys) {
    const value = labels[key] as string;
    assertLabelKey(key);
    assertLabelValue(key, value);
    out[key] = value;
  }
  return out;
}
