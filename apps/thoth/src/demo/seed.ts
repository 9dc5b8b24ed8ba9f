import { readFile } from 'node:fs/promises';
import type { DemoKeys } from './demo-file.js';

/** The incident policy: freeze window, blast-radius limits, fabrication detection. */
export const INCIDENT_POLICY = new URL('../../../../libs/policy/examples/crm-guardrails.policy.yaml', import.meta.url);

export const DEMO_AGENT = 'crm-agent';
export const DEMO_ENFORCER = 'embedded-enforcer';
/** Where the demo agent runs: the region and network its CRM credential is bound to. */
const DEMO_LOCATION = { region: 'us-west-2', ip: '10.20.3.4' };
const DEMO_CRM_TOKEN = 'demo-crm-oauth-token';

/** One REST call to the control plane; throws with the problem's code on any unexpected status. */
export async function api<T = any>( // eslint-disable-line @typescript-eslint/no-explicit-any -- JSON from our own API
  base: string,
  method: string,
  path: string,
  options: { key?: string; body?: unknown; headers?: Record<string, string>; expect?: number } = {},
): Promise<{ status: number; body: T; headers: Headers }> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.key) headers['authorization'] = `Bearer ${options.key}`;
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(base + path, { method, headers, ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }) });
  const text = await response.text();
  const body = (text === '' ? undefined : JSON.parse(text)) as T;
  if (response.status !== (options.expect ?? 200)) {
    const problem = body as { code?: string; title?: string; detail?: string } | undefined;
    throw new Error(`${method} ${path} answered ${response.status}${problem?.code ? ` ${problem.code}` : ''}: ${problem?.detail ?? problem?.title ?? text}`);
  }
  return { status: response.status, body, headers: response.headers };
}

/** Whether the keys of an earlier start still work against this control plane. */
export async function demoKeysValid(base: string, keys: DemoKeys): Promise<boolean> {
  const response = await fetch(`${base}/v1/tenant`, { headers: { authorization: `Bearer ${keys.adminApiKey}` } });
  await response.body?.cancel();
  return response.ok;
}

/**
 * Creates the demo tenant through the public API, as a newcomer would: sign-up (shadow trial),
 * the agent `crm-agent` and its token, its CRM credential (fingerprint only), an enforcer
 * registration, and the incident policy published.
 */
export async function seedDemoTenant(base: string): Promise<DemoKeys> {
  const signedUp = await api(base, 'POST', '/v1/tenants', { body: { name: 'Demo CRM Co', email: 'security@demo.thoth.dev' }, expect: 201 });
  const tenantId: string = signedUp.body.tenant.id;
  const key: string = signedUp.body.apiKey.key;
  const agent = await api(base, 'POST', '/v1/agents', { key, body: { name: DEMO_AGENT, labels: { team: 'sales' } }, expect: 201 });
  await api(base, 'POST', '/v1/credentials', {
    key,
    expect: 201,
    body: {
      name: 'Salesforce prod',
      kind: 'oauth_token',
      provider: 'salesforce',
      token: DEMO_CRM_TOKEN,
      agentIds: [agent.body.agent.id],
      allowedResources: ['crm/*'],
      allowedLocations: { regions: [DEMO_LOCATION.region] },
    },
  });
  const enforcer = await api(base, 'POST', '/v1/enforcers', { key, body: { name: DEMO_ENFORCER }, expect: 201 });
  const source = await readFile(INCIDENT_POLICY, 'utf8');
  await api(base, 'PUT', '/v1/policy', { key, body: { source }, headers: { 'if-none-match': '*' } });
  return {
    tenantId,
    adminApiKey: key,
    agent: { id: agent.body.agent.id, name: DEMO_AGENT, token: agent.body.token },
    credential: { token: DEMO_CRM_TOKEN, ...DEMO_LOCATION },
    enforcerRegistration: { id: enforcer.body.enforcer.id, name: DEMO_ENFORCER, token: enforcer.body.token },
  };
}
