// The Helm chart (infra/helm/thoth), offline: `helm lint` and `helm template` for each values file
// of its matrix (ci/*.yaml), every rendered manifest validated by kubeconform -strict against the
// Kubernetes API's schemas (made from the OpenAPI specification of the k8s.io/kubernetes module,
// and the PrometheusRule CRD's from prometheus-operator's), then what a reviewer checks by eye:
// no secret in the output, every container non-root on a read-only root, probes, NetworkPolicies,
// the migration hook; and that bad values are refused. helm and kubeconform are built from the Go
// module proxy by infra/local/k8s-tools.sh (once, cached), which the setup runs.
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const CHART = join(ROOT, 'infra/helm/thoth');
const MATRIX = readdirSync(join(CHART, 'ci')).filter((f) => f.endsWith('.yaml')).sort();
const INVALID_VALUES = fileURLToPath(new URL('./invalid-values.yaml', import.meta.url));

interface Tools {
  HELM: string;
  KUBECONFORM: string;
  KUBECONFORM_SCHEMA_LOCATION: string;
  KUBERNETES_VERSION: string;
}

interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; annotations?: Record<string, string> };
  spec?: Record<string, unknown>;
  [field: string]: unknown;
}

interface Container {
  name: string;
  env?: Array<{ name: string; value?: string; valueFrom?: { secretKeyRef?: { name: string; key: string } } }>;
  securityContext?: Record<string, unknown>;
  resources?: { requests?: Record<string, unknown>; limits?: Record<string, unknown> };
  livenessProbe?: { httpGet?: { path: string; port: string } };
  readinessProbe?: { httpGet?: { path: string; port: string } };
  command?: string[];
}

interface PodSpec {
  containers: Container[];
  initContainers?: Container[];
  securityContext?: Record<string, unknown>;
  automountServiceAccountToken?: boolean;
}

let tools: Tools;

/** Builds helm, kubeconform and the schemas when missing (minutes on a fresh machine), then their paths. */
beforeAll(async () => {
  const { stdout } = await run('bash', [join(ROOT, 'infra/local/k8s-tools.sh')], { maxBuffer: 16 * 1024 * 1024 });
  tools = Object.fromEntries(stdout.trim().split('\n').map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)])) as unknown as Tools;
}, 1_800_000);

const helm = (...args: string[]) => run(tools.HELM, args, { maxBuffer: 64 * 1024 * 1024 });

async function render(valuesFile: string, ...extra: string[]): Promise<string> {
  const { stdout } = await helm('template', 'thoth', CHART, '--namespace', 'thoth', '--kube-version', tools.KUBERNETES_VERSION, '-f', valuesFile, ...extra);
  return stdout;
}

/** The error a refused render or lint exits with (stderr and stdout), or fails the test when it succeeds. */
async function refusal(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    const { stdout, stderr } = error as { stdout: string; stderr: string };
    return `${stderr}\n${stdout}`;
  }
  throw new Error('expected helm to refuse the values, and it did not');
}

function manifests(rendered: string): Manifest[] {
  return parseAllDocuments(rendered)
    .map((doc) => doc.toJS() as Manifest | null)
    .filter((m): m is Manifest => m !== null);
}

/** kubeconform -strict over a stream of manifests, offline: one JSON result per resource. */
async function kubeconform(rendered: string): Promise<{ exitCode: number; resources: Array<{ kind: string; name: string; status: string; msg: string }> }> {
  const args = ['-strict', '-output', 'json', '-verbose', '-kubernetes-version', tools.KUBERNETES_VERSION, '-schema-location', tools.KUBECONFORM_SCHEMA_LOCATION, '-'];
  const child = execFile(tools.KUBECONFORM, args, { maxBuffer: 16 * 1024 * 1024 });
  child.stdin!.end(rendered);
  let stdout = '';
  child.stdout!.on('data', (chunk: string) => (stdout += chunk));
  const exitCode = await new Promise<number>((resolve) => child.on('close', (code) => resolve(code ?? -1)));
  const { resources } = JSON.parse(stdout) as { resources: Array<{ kind: string; name: string; status: string; msg: string }> };
  return { exitCode, resources };
}

function podSpecs(docs: Manifest[]): Array<{ owner: string; pod: PodSpec }> {
  return docs.flatMap((m) => {
    const template = (m.spec as { template?: { spec: PodSpec } } | undefined)?.template;
    return template ? [{ owner: `${m.kind}/${m.metadata.name}`, pod: template.spec }] : [];
  });
}

const allContainers = (pod: PodSpec) => [...pod.containers, ...(pod.initContainers ?? [])];

// Environment names that carry a secret: set from a Secret (valueFrom) or a mounted file (…_FILE), never a value.
const SECRET_ENV = /(PASSWORD|TOKEN|SIGNING_KEY|SECRETS_KEY|DATABASE_URL)$/;

it('renders the matrix of issue 21: minimal, TLS + SASL, enforcer as DaemonSet, enforcer as sidecar', () => {
  expect(MATRIX).toEqual(expect.arrayContaining(['minimal.yaml', 'tls-sasl.yaml', 'enforcer-daemonset.yaml', 'enforcer-sidecar.yaml']));
});

describe.each(MATRIX)('the chart with ci/%s', (file) => {
  const valuesFile = join(CHART, 'ci', file);
  let rendered: string;
  let docs: Manifest[];

  beforeAll(async () => {
    rendered = await render(valuesFile);
    docs = manifests(rendered);
  });

  it('passes helm lint --strict', async () => {
    const { stdout } = await helm('lint', CHART, '--strict', '--kube-version', tools.KUBERNETES_VERSION, '-f', valuesFile);
    expect(stdout).toMatch(/1 chart\(s\) linted, 0 chart\(s\) failed/);
  });

  it('renders manifests that kubeconform -strict accepts against the Kubernetes API schemas, none skipped', async () => {
    const { exitCode, resources } = await kubeconform(rendered);
    // Skipped (no schema) counts as not valid: the PrometheusRule is checked against its CRD's schema too.
    const notValid = resources.filter((r) => r.status !== 'statusValid');
    expect(notValid).toEqual([]);
    expect(exitCode).toBe(0);
    expect(resources.map((r) => `${r.kind}/${r.name}`).sort()).toEqual(docs.map((m) => `${m.kind}/${m.metadata.name}`).sort());
  });

  it('holds no secret: no Secret object, and every secret-bearing variable comes from a Secret', () => {
    expect(docs.filter((m) => m.kind === 'Secret')).toEqual([]);
    for (const { owner, pod } of podSpecs(docs)) {
      for (const container of allContainers(pod)) {
        for (const variable of container.env ?? []) {
          if (!SECRET_ENV.test(variable.name)) continue;
          expect(variable.value, `${owner} ${container.name} ${variable.name}`).toBeUndefined();
          expect(variable.valueFrom?.secretKeyRef?.name, `${owner} ${container.name} ${variable.name}`).toMatch(/^thoth-/);
        }
      }
    }
  });

  it('runs every container as uid 65532 on a read-only root, without capabilities, under RuntimeDefault seccomp', () => {
    const pods = podSpecs(docs);
    expect(pods.length).toBeGreaterThan(0);
    for (const { owner, pod } of pods) {
      expect(pod.securityContext, owner).toMatchObject({ runAsNonRoot: true, runAsUser: 65532, seccompProfile: { type: 'RuntimeDefault' } });
      expect(pod.automountServiceAccountToken, owner).toBe(false);
      for (const container of allContainers(pod)) {
        expect(container.securityContext, `${owner} ${container.name}`).toMatchObject({
          runAsNonRoot: true,
          runAsUser: 65532,
          readOnlyRootFilesystem: true,
          allowPrivilegeEscalation: false,
          capabilities: { drop: ['ALL'] },
        });
        expect(container.resources?.requests, `${owner} ${container.name}`).toMatchObject({ cpu: expect.anything(), memory: expect.anything() });
        expect(container.resources?.limits?.['memory'], `${owner} ${container.name}`).toBeDefined();
      }
    }
  });

  it('probes every Thoth service on its operations port: /healthz for liveness, /readyz for readiness', () => {
    const services = podSpecs(docs)
      .filter(({ owner }) => !owner.startsWith('Job/'))
      .flatMap(({ owner, pod }) => allContainers(pod).filter((c) => c.name !== 'agent').map((c) => ({ owner, c })));
    expect(services.length).toBeGreaterThanOrEqual(3);
    for (const { owner, c } of services) {
      expect(c.livenessProbe?.httpGet, `${owner} ${c.name}`).toEqual({ path: '/healthz', port: 'ops' });
      expect(c.readinessProbe?.httpGet, `${owner} ${c.name}`).toEqual({ path: '/readyz', port: 'ops' });
    }
  });

  it('migrates with a pre-install/pre-upgrade hook Job running node migrate.js, and the services do not migrate', () => {
    const job = docs.find((m) => m.kind === 'Job')!;
    expect(job.metadata.annotations?.['helm.sh/hook']).toBe('pre-install,pre-upgrade');
    const [migrate] = (job.spec as { template: { spec: PodSpec } }).template.spec.containers;
    expect(migrate!.command).toEqual(['node', 'migrate.js']);
    expect(migrate!.env?.find((v) => v.name === 'DATABASE_URL')?.valueFrom?.secretKeyRef?.key).toBe('migration-url');
    const controlPlane = docs.find((m) => m.kind === 'Deployment' && m.metadata.name.endsWith('-control-plane'))!;
    const [container] = (controlPlane.spec as { template: { spec: PodSpec } }).template.spec.containers;
    expect(container!.env).toContainEqual({ name: 'THOTH_MIGRATE', value: 'false' });
  });

  it('closes every Thoth workload with a NetworkPolicy, ingress and egress', () => {
    const policies = docs.filter((m) => m.kind === 'NetworkPolicy');
    const selected = policies.map((p) => (p.spec as { podSelector: { matchLabels: Record<string, string> } }).podSelector.matchLabels['app.kubernetes.io/component']);
    for (const m of docs.filter((d) => ['Deployment', 'DaemonSet', 'Job'].includes(d.kind) && !d.metadata.name.endsWith('-example-agent'))) {
      const component = (m.spec as { selector: { matchLabels: Record<string, string> } }).selector?.matchLabels?.['app.kubernetes.io/component'] ?? (m.spec as { template: { metadata: { labels: Record<string, string> } } }).template.metadata.labels['app.kubernetes.io/component'];
      expect(selected, `${m.kind}/${m.metadata.name}`).toContain(component);
    }
    for (const p of policies) expect((p.spec as { policyTypes: string[] }).policyTypes).toEqual(['Ingress', 'Egress']);
  });

  it('sets the OTLP endpoint only when the values name one (traces off otherwise)', async () => {
    const { stdout } = await helm('show', 'values', CHART);
    const values = (manifests(stdout)[0] as unknown as { otel: { endpoint: string } }).otel;
    expect(values.endpoint).toBe('');
    const endpoint = (parse(readFileSync(valuesFile, 'utf8')) as { otel?: { endpoint?: string } }).otel?.endpoint;
    expect(rendered.includes('OTEL_EXPORTER_OTLP_ENDPOINT')).toBe(Boolean(endpoint));
    if (endpoint) expect(rendered).toContain(`value: "${endpoint}"`);
  });
});

describe('the chart refuses', () => {
  const minimal = join(CHART, 'ci/minimal.yaml');

  it('more ledger workers than the decisions topic has partitions', async () => {
    const error = await refusal(render(minimal, '--set', 'ledger.replicas=4'));
    expect(error).toContain('ledger.replicas (4) exceeds kafka.decisionsTopic.partitions (3)');
    // At the partition count it renders, with that many workers.
    const docs = manifests(await render(minimal, '--set', 'ledger.replicas=3'));
    expect(docs.find((m) => m.kind === 'Deployment' && m.metadata.name.endsWith('-ledger'))?.spec?.['replicas']).toBe(3);
  });

  it('values the schema does not allow, naming each one (helm lint and helm template alike)', async () => {
    const lint = await refusal(helm('lint', CHART, '--strict', '--kube-version', tools.KUBERNETES_VERSION, '-f', INVALID_VALUES));
    for (const problem of ['replica', 'brokers', 'logLevel', 'password']) expect(lint).toContain(problem);
    await expect(render(INVALID_VALUES)).rejects.toThrow(/values don't meet the specifications of the schema/);
  });

  it('plaintext listeners without allowPlaintext, naming what is missing', async () => {
    const error = await refusal(render(minimal, '--set', 'allowPlaintext=false'));
    expect(error).toContain('allowPlaintext is false');
    expect(error).toContain('controlPlane.tls.existingSecret');
    expect(error).toContain('kafka.sasl.enforcer.existingSecret');
  });
});

describe('kubeconform -strict', () => {
  it('refuses a manifest with a field the API does not have (the schemas are strict and in use)', async () => {
    const rendered = await render(join(CHART, 'ci/minimal.yaml'));
    const broken = rendered.replace(/^( {6})automountServiceAccountToken: false$/m, '$1automountServiceAccountTokens: false');
    expect(broken).not.toBe(rendered);
    const { exitCode, resources } = await kubeconform(broken);
    expect(exitCode).not.toBe(0);
    expect(resources.filter((r) => r.status === 'statusInvalid').map((r) => r.msg).join('\n')).toMatch(/automountServiceAccountTokens/);
  });
});

describe('enforcer placements', () => {
  it('as a DaemonSet: one per node, Decide on the pod address with TLS, agents sent to their own node', async () => {
    const docs = manifests(await render(join(CHART, 'ci/enforcer-daemonset.yaml')));
    const daemonSet = docs.find((m) => m.kind === 'DaemonSet')!;
    const [enforcer] = (daemonSet.spec as { template: { spec: PodSpec } }).template.spec.containers;
    expect(enforcer!.env).toContainEqual({ name: 'THOTH_ENFORCER_GRPC_HOST', value: '0.0.0.0' });
    expect(enforcer!.env).toContainEqual({ name: 'THOTH_TLS_CERT_FILE', value: '/etc/thoth/tls/tls.crt' });
    expect(enforcer!.env).toContainEqual({ name: 'THOTH_ENFORCER_GRPC_TLS_CLIENT_CA_FILE', value: '/etc/thoth/tls/ca.crt' });
    expect(docs.find((m) => m.kind === 'Service' && m.metadata.name.endsWith('-enforcer'))?.spec?.['internalTrafficPolicy']).toBe('Local');
  });

  it('as a sidecar: a native sidecar beside the example agent, Decide on the pod loopback, no DaemonSet', async () => {
    const docs = manifests(await render(join(CHART, 'ci/enforcer-sidecar.yaml')));
    expect(docs.filter((m) => m.kind === 'DaemonSet')).toEqual([]);
    const agent = docs.find((m) => m.kind === 'Deployment' && m.metadata.name.endsWith('-example-agent'))!;
    const pod = (agent.spec as { template: { spec: PodSpec } }).template.spec;
    const [sidecar] = pod.initContainers!;
    expect(sidecar).toMatchObject({ name: 'enforcer', restartPolicy: 'Always' });
    expect(sidecar!.env).toContainEqual({ name: 'THOTH_ENFORCER_GRPC_HOST', value: '127.0.0.1' });
    expect(pod.containers[0]!.env).toContainEqual({ name: 'THOTH_ENFORCER_ADDRESS', value: '127.0.0.1:4100' });
  });
});
