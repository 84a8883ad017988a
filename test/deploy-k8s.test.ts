import { execFile, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { createDatabaseIfMissing, subgraphEnvSchema } from '@pos/kit';
import type { IJob } from 'kubernetes-models/batch/v1/Job' with { 'resolution-mode': 'import' };
import type { IDeployment } from 'kubernetes-models/apps/v1/Deployment' with { 'resolution-mode': 'import' };
import type { IHorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler' with {
  'resolution-mode': 'import',
};
import type { IIngress } from 'kubernetes-models/networking.k8s.io/v1/Ingress' with { 'resolution-mode': 'import' };
import type { INetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy' with {
  'resolution-mode': 'import',
};
import type { INetworkPolicyPeer } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicyPeer' with {
  'resolution-mode': 'import',
};
import type { INetworkPolicyPort } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicyPort' with {
  'resolution-mode': 'import',
};
import type { IPodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget' with {
  'resolution-mode': 'import',
};
import type { IConfigMap } from 'kubernetes-models/v1/ConfigMap' with { 'resolution-mode': 'import' };
import type { IContainer } from 'kubernetes-models/v1/Container' with { 'resolution-mode': 'import' };
import type { IPodTemplateSpec } from 'kubernetes-models/v1/PodTemplateSpec' with { 'resolution-mode': 'import' };
import type { ISecret } from 'kubernetes-models/v1/Secret' with { 'resolution-mode': 'import' };
import type { IService } from 'kubernetes-models/v1/Service' with { 'resolution-mode': 'import' };
import { Client } from 'pg';
import ts from 'typescript';
import { parseAllDocuments } from 'yaml';
import { gatewayEnvSchema } from '../gateway/src/config';
import { serviceOrmDefinitions, subgraphDefinitions } from '../scripts/services';

/**
 * The Kubernetes manifests under deploy/k8s (docs/operations.md, "Deploying to Kubernetes"): every resource valid
 * against the Kubernetes schemas, the settings the services read and require, probes and shutdown, pod security,
 * references between resources, who may reach whom, and the migration Job's command run for real.
 */
const root = path.resolve(__dirname, '..');
const K8S_DIR = path.join(root, 'deploy/k8s');
const NAMESPACE = 'pos';

/**
 * Settings the manifests may set before any service reads them, while the feature that reads them is being built:
 * each name here is allowed on any service whose manifest sets it. Once every service that is given a name reads it,
 * the test says so: delete it from this list. Empty now: EVENTS_BROKER and NATS_URL (payments) and RATE_LIMIT_STORE
 * and REDIS_URL (the gateway), set ahead of their features, are read by their services.
 */
const PENDING_SETTINGS: readonly string[] = [];

/** Settings read outside the services' zod schemas, with the file that reads them. */
const RUNTIME_SETTINGS: Record<string, string> = {
  // which service the image runs (its CMD)
  SERVICE: 'Dockerfile',
};

/** Settings that are secrets: only ever from a Secret (secretKeyRef), never a literal value or a ConfigMap key. */
const SECRET_SETTINGS = ['DATABASE_URL', 'INTERNAL_JWT_SECRET', 'KEY_ENCRYPTION_KEY', 'VALOR_API_KEY'];

/** Stand-ins for the secrets when a service's environment is parsed with its schema (the templates hold placeholders). */
const TEST_SECRET_VALUES: Record<string, string> = {
  DATABASE_URL: 'postgres://pos:secret@pos-db-rw:5432/pos',
  INTERNAL_JWT_SECRET: 'an-internal-key-of-at-least-32-characters',
  KEY_ENCRYPTION_KEY: Buffer.alloc(32, 7).toString('base64'),
  VALOR_API_KEY: '',
};

/** Files that are not `kubectl apply -k` material, each applied on its own (see deploy/k8s/kustomization.yaml). */
const APPLIED_ON_THEIR_OWN = ['secrets.example.yaml', 'migrate-job.yaml'];
const KUSTOMIZATION = 'kustomization.yaml';
/** Helm values: parsed, never validated as a resource. */
const HELM_VALUES = 'nats/values.yaml';

/**
 * Secrets referenced but created outside deploy/k8s, with who creates them: nothing else may be missing. The
 * services' Secrets are templates in secrets.example.yaml (placeholder values, applied by nobody as they are).
 */
const EXTERNAL_SECRETS: Record<string, string> = {
  'pos-gateway-tls': "the Ingress's TLS certificate: the operator, or cert-manager (docs/operations.md)",
};

/** The kinds the manifests use, by apiVersion/kind, with their class in kubernetes-models (its path there). */
const MODELS: Record<string, string> = {
  'v1/Namespace': 'v1/Namespace',
  'v1/ServiceAccount': 'v1/ServiceAccount',
  'v1/ConfigMap': 'v1/ConfigMap',
  'v1/Secret': 'v1/Secret',
  'v1/Service': 'v1/Service',
  'apps/v1/Deployment': 'apps/v1/Deployment',
  'batch/v1/Job': 'batch/v1/Job',
  'autoscaling/v2/HorizontalPodAutoscaler': 'autoscaling/v2/HorizontalPodAutoscaler',
  'policy/v1/PodDisruptionBudget': 'policy/v1/PodDisruptionBudget',
  'networking.k8s.io/v1/NetworkPolicy': 'networking.k8s.io/v1/NetworkPolicy',
  'networking.k8s.io/v1/Ingress': 'networking.k8s.io/v1/Ingress',
};
/** The one custom resource: CloudNativePG's Cluster, checked by hand (its CRD's schema is not in kubernetes-models). */
const CNPG_CLUSTER = 'postgresql.cnpg.io/v1/Cluster';

/**
 * Validates each object with its kubernetes-models class (`new Model(object).validate()` throws on an invalid one):
 * the message of each failure, null for a valid object. The package is ES modules only (its exports have no
 * `require` condition), which jest's module system cannot load on Node 20, so a Node process of its own imports it.
 */
function validateWithModels(items: { model: string; object: unknown }[]): (string | null)[] {
  const script = `
    import { readFileSync } from 'node:fs';
    const results = [];
    for (const { model, object } of JSON.parse(readFileSync(0, 'utf8'))) {
      try {
        const Model = (await import('kubernetes-models/' + model))[model.split('/').pop()];
        new Model(object).validate();
        results.push(null);
      } catch (error) {
        results.push(String(error.message));
      }
    }
    process.stdout.write(JSON.stringify(results));
  `;
  const output = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
    cwd: root,
    input: JSON.stringify(items),
    encoding: 'utf8',
  });
  return JSON.parse(output) as (string | null)[];
}

/**
 * The fields no Kubernetes type has, by object: the schemas above accept any extra field (a typo such as
 * `readinesProbe` passes them, and the API server would refuse it or drop it), so each object is also type-checked,
 * as an object literal of kubernetes-models' TypeScript interface for its kind, whose excess properties TypeScript
 * reports. The first problem of each object, or null.
 */
function typeCheckWithModels(items: { model: string; object: unknown }[]): (string | null)[] {
  const file = path.join(root, 'test', '__deploy_k8s_types__.mts');
  const kinds = new Map(items.map(({ model }) => [model, `I${path.basename(model)}`]));
  const imports = [...kinds].map(([model, type]) => `import type { ${type} } from 'kubernetes-models/${model}';`);
  // One object a line, so that a problem's line names its object.
  const text = [
    ...items.map(({ model, object }, i) => `export const r${i}: ${kinds.get(model)} = ${JSON.stringify(object)};`),
    ...imports,
  ].join('\n');
  const options: ts.CompilerOptions = {
    module: ts.ModuleKind.Node16,
    moduleResolution: ts.ModuleResolutionKind.Node16,
    target: ts.ScriptTarget.ES2022,
    lib: ['lib.es2022.d.ts'],
    types: [],
    strict: true,
    noEmit: true,
    skipLibCheck: true,
  };
  const host = ts.createCompilerHost(options);
  const { getSourceFile, fileExists, readFile } = host;
  host.getSourceFile = (name, language, ...rest) =>
    name === file ? ts.createSourceFile(name, text, language) : getSourceFile.call(host, name, language, ...rest);
  host.fileExists = (name) => name === file || fileExists.call(host, name);
  host.readFile = (name) => (name === file ? text : readFile.call(host, name));
  const program = ts.createProgram([file], options, host);
  const results: (string | null)[] = items.map(() => null);
  for (const diagnostic of ts.getPreEmitDiagnostics(program)) {
    const message = ts.flattenDiagnosticMessageText(diagnostic.messageText, ' ');
    if (diagnostic.file?.fileName !== file || diagnostic.start === undefined) throw new Error(message);
    const { line } = diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start);
    if (line >= items.length) throw new Error(message);
    results[line] ??= message;
  }
  return results;
}

interface Resource {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  /** File under deploy/k8s it comes from. */
  file: string;
  [field: string]: unknown;
}

interface Parsed {
  file: string;
  value: unknown;
}

/** Every YAML file under deploy/k8s (relative paths), sorted. */
function yamlFiles(dir = K8S_DIR): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((entry) =>
      entry.isDirectory()
        ? yamlFiles(path.join(dir, entry.name))
        : /\.ya?ml$/.test(entry.name)
          ? [path.relative(K8S_DIR, path.join(dir, entry.name)).split(path.sep).join('/')]
          : [],
    )
    .sort();
}

/** Every document of every file, with the parse errors (a document that is empty counts as one). */
function parseAll(): { documents: Parsed[]; errors: string[] } {
  const documents: Parsed[] = [];
  const errors: string[] = [];
  for (const file of yamlFiles()) {
    for (const doc of parseAllDocuments(fs.readFileSync(path.join(K8S_DIR, file), 'utf8'))) {
      if (doc.errors.length) errors.push(...doc.errors.map((e) => `${file}: ${e.message}`));
      const value: unknown = doc.toJS();
      if (value === null || value === undefined) errors.push(`${file}: an empty document`);
      else documents.push({ file, value });
    }
  }
  return { documents, errors };
}

const { documents, errors: parseErrors } = parseAll();
const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const resources: Resource[] = documents
  .filter((d) => d.file !== KUSTOMIZATION && d.file !== HELM_VALUES && isObject(d.value))
  .map((d) => ({ ...(d.value as Resource), file: d.file }));
const typeOf = (r: Resource) => `${r.apiVersion}/${r.kind}`;
const ofKind = <T>(apiVersionKind: string) =>
  resources.filter((r) => typeOf(r) === apiVersionKind) as unknown as (T & Resource)[];
const named = <T extends Resource>(list: T[], name: string) => list.find((r) => r.metadata.name === name);

const deployments = ofKind<IDeployment>('apps/v1/Deployment');
const jobs = ofKind<IJob>('batch/v1/Job');
const services = ofKind<IService>('v1/Service');
const configMaps = ofKind<IConfigMap>('v1/ConfigMap');
const secrets = ofKind<ISecret>('v1/Secret');
const networkPolicies = ofKind<INetworkPolicy>('networking.k8s.io/v1/NetworkPolicy');
const autoscalers = ofKind<IHorizontalPodAutoscaler>('autoscaling/v2/HorizontalPodAutoscaler');
const disruptionBudgets = ofKind<IPodDisruptionBudget>('policy/v1/PodDisruptionBudget');
const ingresses = ofKind<IIngress>('networking.k8s.io/v1/Ingress');
const serviceAccounts = ofKind('v1/ServiceAccount');

/** The settings each service reads (the keys of its zod schema), and which of them have no default. */
interface ServiceSettings {
  reads: Set<string>;
  required: string[];
  defaultPort: number;
  /** The problems its schema finds in an environment: what would stop it at start. */
  problems(env: Record<string, string>): string[];
}
const serviceSettings = new Map<string, ServiceSettings>();
{
  type Schema = { safeParse(env: unknown): { error?: { issues: { path: PropertyKey[]; message: string }[] } } };
  const issues = (schema: Schema) => (env: Record<string, string>) =>
    (schema.safeParse(env).error?.issues ?? []).map((issue) => `${issue.path.join('.')}: ${issue.message}`);
  const shapeOf = (
    shape: Record<string, { isOptional(): boolean }>,
    defaultPort: number,
    schema: Schema,
  ): ServiceSettings => ({
    reads: new Set(Object.keys(shape)),
    // zod: optional() and default() both make a field optional; what is left must be set
    required: Object.entries(shape)
      .filter(([, field]) => !field.isOptional())
      .map(([name]) => name),
    defaultPort,
    problems: issues(schema),
  });
  serviceSettings.set(
    'gateway',
    shapeOf(gatewayEnvSchema.shape, Number(gatewayEnvSchema.shape.PORT.parse(undefined)), gatewayEnvSchema),
  );
  for (const definition of subgraphDefinitions) {
    const schema = subgraphEnvSchema(definition.defaultPort, definition.env);
    serviceSettings.set(definition.name, shapeOf(schema.shape, definition.defaultPort, schema));
  }
}

/** The workloads that run a service of the image: a Deployment whose container sets SERVICE to its name. */
const appContainer = (d: IDeployment): IContainer => d.spec!.template.spec!.containers[0];
const serviceOf = (d: IDeployment) => appContainer(d).env?.find((e) => e.name === 'SERVICE')?.value;
const appDeployments = deployments.filter((d) => serviceOf(d) !== undefined);

interface Setting {
  /** The literal value (env value or ConfigMap data); none for a Secret's. */
  value?: string;
  /** The Secret's key it comes from. */
  secretKey?: string;
  source: string;
}
/** The names a container's environment gets, from env and envFrom (env wins, as in Kubernetes). */
function environment(container: IContainer): Map<string, Setting> {
  const found = new Map<string, Setting>();
  for (const from of container.envFrom ?? []) {
    if (from.configMapRef) {
      const map = named(configMaps, from.configMapRef.name!);
      for (const [key, value] of Object.entries(map?.data ?? {})) {
        found.set(`${from.prefix ?? ''}${key}`, { value, source: `ConfigMap ${from.configMapRef.name}` });
      }
    }
    if (from.secretRef) {
      const secret = named(secrets, from.secretRef.name!);
      for (const key of Object.keys({ ...secret?.data, ...secret?.stringData })) {
        found.set(`${from.prefix ?? ''}${key}`, { secretKey: key, source: `Secret ${from.secretRef.name}` });
      }
    }
  }
  for (const env of container.env ?? []) {
    const secretRef = env.valueFrom?.secretKeyRef;
    const mapRef = env.valueFrom?.configMapKeyRef;
    if (secretRef)
      found.set(env.name, { secretKey: secretRef.key, source: `Secret ${secretRef.name}/${secretRef.key}` });
    else if (mapRef) {
      const value = named(configMaps, mapRef.name!)?.data?.[mapRef.key];
      found.set(env.name, { value, source: `ConfigMap ${mapRef.name}/${mapRef.key}` });
    } else found.set(env.name, { value: env.value, source: 'value' });
  }
  return found;
}

/** The seconds a service may take after SIGTERM before it exits by force (onShutdown, packages/kit/src). */
function shutdownForceSeconds(): number {
  const source = fs.readFileSync(path.join(root, 'packages/kit/src/subgraph.ts'), 'utf8');
  const onShutdown = source.slice(source.indexOf('export function onShutdown'));
  const match = /setTimeout\(\s*\(\)\s*=>\s*process\.exit\(1\),\s*([\d_]+)\s*\)/.exec(onShutdown);
  if (!match) throw new Error("onShutdown's forced exit not found in packages/kit/src/subgraph.ts: update this test");
  return Number(match[1].replace(/_/g, '')) / 1000;
}

/** The seconds a preStop hook waits: `sleep N` by exec, or the sleep action. */
function preStopSeconds(container: IContainer): number | undefined {
  const preStop = container.lifecycle?.preStop;
  if (preStop?.sleep) return preStop.sleep.seconds;
  const command = preStop?.exec?.command ?? [];
  return command[0] === 'sleep' && /^\d+$/.test(command[1] ?? '') ? Number(command[1]) : undefined;
}

/** The release name and namespace of the NATS chart, from the install command in its values file. */
function natsInstall(): { release: string; namespace: string } {
  const text = fs.readFileSync(path.join(K8S_DIR, HELM_VALUES), 'utf8');
  const install = /helm upgrade --install (\S+) nats\/nats --namespace (\S+) .*-f deploy\/k8s\/nats\/values\.yaml/.exec(
    text,
  );
  if (!install) throw new Error(`${HELM_VALUES}: no \`helm upgrade --install <release> nats/nats\` command`);
  return { release: install[1], namespace: install[2] };
}

const labelsMatch = (selector: Record<string, string> | undefined, labels: Record<string, string> | undefined) =>
  selector !== undefined && Object.entries(selector).every(([key, value]) => labels?.[key] === value);

/** A pod, for NetworkPolicy evaluation: ours (from a workload) or someone else's (an operator, the chart, DNS). */
interface Pod {
  name: string;
  namespace: string;
  labels: Record<string, string>;
  /** Outside the cluster (the internet), reachable only through an ipBlock. */
  external?: boolean;
}

describe('deploy/k8s', () => {
  it('parses every YAML document of every file', () => {
    expect(parseErrors).toEqual([]);
    expect(yamlFiles()).toEqual(expect.arrayContaining([KUSTOMIZATION, HELM_VALUES, ...APPLIED_ON_THEIR_OWN]));
    const malformed = resources.filter(
      (r) => typeof r.apiVersion !== 'string' || typeof r.kind !== 'string' || !isObject(r.metadata),
    );
    expect(malformed.map((r) => r.file)).toEqual([]);
  });

  it('validates every resource against the Kubernetes schemas; no kind goes unchecked', () => {
    const problems: string[] = [];
    const where = (r: Resource) => `${r.file}: ${typeOf(r)} ${r.metadata.name}`;
    const validated = resources.filter((r) => MODELS[typeOf(r)]);
    const results = validateWithModels(
      validated.map(({ file: _file, ...object }) => ({ model: MODELS[typeOf(object as Resource)], object })),
    );
    validated.forEach((resource, i) => {
      if (results[i] !== null) problems.push(`${where(resource)}: ${results[i]}`);
    });
    for (const resource of resources) {
      if (!MODELS[typeOf(resource)] && typeOf(resource) !== CNPG_CLUSTER) {
        problems.push(`${where(resource)}: a kind this test does not know; add its kubernetes-models class to MODELS`);
      }
      if (resource.kind !== 'Namespace' && resource.metadata.namespace !== NAMESPACE) {
        problems.push(`${where(resource)}: not in the namespace ${NAMESPACE}`);
      }
    }
    expect(problems).toEqual([]);
    const names = resources.map((r) => `${typeOf(r)} ${r.metadata.name}`);
    expect(names.filter((name, i) => names.indexOf(name) !== i)).toEqual([]);
  });

  it('sets no field the Kubernetes types do not have', () => {
    const checked = resources.filter((r) => MODELS[typeOf(r)]);
    // And a misspelt field, to show the check is real.
    const { file: _file, ...gateway } = named(deployments, 'gateway')!;
    const misspelt = structuredClone(gateway) as unknown as { spec: { template: { spec: Record<string, unknown> } } };
    misspelt.spec.template.spec.topologySpreadConstraint = [];
    const results = typeCheckWithModels([
      ...checked.map(({ file: _file, ...object }) => ({ model: MODELS[typeOf(object as Resource)], object })),
      { model: MODELS['apps/v1/Deployment'], object: misspelt },
    ]);
    expect(results.pop()).toMatch(/'"topologySpreadConstraint"' does not exist in type 'IPodSpec'/);
    const problems = checked.flatMap((r, i) =>
      results[i] === null ? [] : [`${r.file}: ${typeOf(r)} ${r.metadata.name}: ${results[i]}`],
    );
    expect(problems).toEqual([]);
  });

  it('fails a resource the schemas refuse (the validation is real)', () => {
    const { file: _file, ...gateway } = named(deployments, 'gateway')!;
    const broken = structuredClone(gateway);
    broken.spec!.template.spec!.containers[0].ports = [{ containerPort: 'http' as unknown as number }];
    delete (broken.spec as { selector?: unknown }).selector;
    const [problem] = validateWithModels([{ model: MODELS['apps/v1/Deployment'], object: broken }]);
    expect(problem).toMatch(/containerPort must be integer/);
    expect(problem).toMatch(/spec must have required property selector/);
  });

  it('has a CloudNativePG Cluster with instances, storage and a bootstrap owner whose Secret exists', () => {
    const clusters = resources.filter((r) => typeOf(r) === CNPG_CLUSTER);
    expect(clusters).toHaveLength(1);
    const cluster = clusters[0] as Resource & {
      spec?: {
        instances?: unknown;
        storage?: { size?: unknown };
        bootstrap?: { initdb?: { database?: unknown; owner?: unknown; secret?: { name?: unknown } } };
      };
    };
    expect(cluster.apiVersion).toBe('postgresql.cnpg.io/v1');
    expect(cluster.kind).toBe('Cluster');
    const spec = cluster.spec!;
    expect(Number.isInteger(spec.instances) && (spec.instances as number) >= 1).toBe(true);
    expect(spec.storage?.size).toMatch(/^\d+(Ki|Mi|Gi|Ti)$/);
    const initdb = spec.bootstrap?.initdb;
    expect(typeof initdb?.database).toBe('string');
    expect(typeof initdb?.owner).toBe('string');
    // The owner's credentials: a basic-auth Secret whose username is the owner.
    const secret = named(secrets, String(initdb?.secret?.name));
    expect(secret?.type).toBe('kubernetes.io/basic-auth');
    expect(secret?.stringData?.username).toBe(initdb?.owner);
    // DATABASE_URL: the owner, on the operator's read-write Service <cluster>-rw, in the bootstrap database.
    const url = new URL(named(secrets, 'pos-app')!.stringData!.DATABASE_URL);
    expect(url.username).toBe(initdb?.owner);
    expect(url.password).toBe(secret?.stringData?.password);
    expect(`${url.hostname}:${url.port}${url.pathname}`).toBe(
      `${cluster.metadata.name}-rw:5432/${String(initdb?.database)}`,
    );
  });

  it('lists in kustomization.yaml every resource file but those applied on their own', () => {
    const kustomization = documents.find((d) => d.file === KUSTOMIZATION)!.value as {
      kind: string;
      namespace: string;
      resources: string[];
    };
    expect(kustomization.kind).toBe('Kustomization');
    expect(kustomization.namespace).toBe(NAMESPACE);
    const expected = yamlFiles().filter(
      (file) => file !== KUSTOMIZATION && file !== HELM_VALUES && !APPLIED_ON_THEIR_OWN.includes(file),
    );
    expect([...kustomization.resources].sort()).toEqual(expected);
  });

  it('installs NATS from its chart with JetStream on file storage, 3 servers, as the release NATS_URL names', () => {
    const values = documents.find((d) => d.file === HELM_VALUES)!.value as {
      config: {
        cluster: { enabled: boolean; replicas: number };
        jetstream: { enabled: boolean; fileStore: { enabled: boolean; pvc: { enabled: boolean; size: string } } };
      };
    };
    expect(values.config.cluster).toMatchObject({ enabled: true, replicas: 3 });
    expect(values.config.jetstream.enabled).toBe(true);
    expect(values.config.jetstream.fileStore).toMatchObject({ enabled: true, pvc: { enabled: true } });
    const text = fs.readFileSync(path.join(K8S_DIR, HELM_VALUES), 'utf8');
    expect(text).toContain('helm repo add nats https://nats-io.github.io/k8s/helm/charts/');
    const { release, namespace } = natsInstall();
    expect(namespace).toBe(NAMESPACE);
    const natsUrls = configMaps.flatMap((map) => (map.data?.NATS_URL ? [new URL(map.data.NATS_URL)] : []));
    expect(natsUrls.length).toBeGreaterThan(0);
    for (const url of natsUrls) expect(`${url.hostname}:${url.port}`).toBe(`${release}:4222`);
  });

  it('runs one Deployment per service', () => {
    expect(appDeployments.map((d) => serviceOf(d)).sort()).toEqual([...serviceSettings.keys()].sort());
    for (const deployment of appDeployments) expect(deployment.metadata.name).toBe(serviceOf(deployment));
  });

  it('sets only settings a service reads, and every setting it requires', () => {
    const unread: string[] = [];
    const missing: string[] = [];
    for (const deployment of appDeployments) {
      const service = serviceOf(deployment)!;
      const settings = serviceSettings.get(service)!;
      const set = environment(appContainer(deployment));
      for (const name of set.keys()) {
        const known = settings.reads.has(name) || name in RUNTIME_SETTINGS || PENDING_SETTINGS.includes(name);
        if (!known) unread.push(`${service}: ${name} (${set.get(name)!.source})`);
      }
      for (const name of settings.required) if (!set.has(name)) missing.push(`${service}: ${name}`);
    }
    expect(unread).toEqual([]);
    expect(missing).toEqual([]);
    for (const [name, file] of Object.entries(RUNTIME_SETTINGS)) {
      expect(fs.readFileSync(path.join(root, file), 'utf8')).toContain(name);
    }
  });

  it('gives every service an environment its own schema accepts (with stand-ins for the secrets)', () => {
    const problems: string[] = [];
    for (const deployment of appDeployments) {
      const service = serviceOf(deployment)!;
      const env: Record<string, string> = {};
      for (const [name, setting] of environment(appContainer(deployment))) {
        const value = setting.secretKey !== undefined ? TEST_SECRET_VALUES[setting.secretKey] : setting.value;
        if (value === undefined) problems.push(`${service}: ${name} has no value to check (${setting.source})`);
        else env[name] = value;
      }
      problems.push(
        ...serviceSettings
          .get(service)!
          .problems(env)
          .map((problem) => `${service}: ${problem}`),
      );
    }
    expect(problems).toEqual([]);
  });

  it('keeps in PENDING_SETTINGS only names some service that sets them does not read yet', () => {
    const settingServices = (name: string) =>
      appDeployments.filter((d) => environment(appContainer(d)).has(name)).map((d) => serviceOf(d)!);
    const readNow = PENDING_SETTINGS.filter((name) =>
      settingServices(name).every((service) => serviceSettings.get(service)!.reads.has(name)),
    );
    // A name here is read by every service that sets it (or set by none): delete it from PENDING_SETTINGS.
    expect(readNow).toEqual([]);
  });

  it('takes secrets from Secrets only, key by key, and every reference resolves', () => {
    const problems: string[] = [];
    for (const map of configMaps) {
      for (const key of Object.keys(map.data ?? {})) {
        if (SECRET_SETTINGS.includes(key)) problems.push(`ConfigMap ${map.metadata.name} holds the secret ${key}`);
      }
    }
    const containers = [...deployments, ...jobs].flatMap((w) =>
      w.spec!.template.spec!.containers.map((c) => ({ workload: w.metadata.name, container: c })),
    );
    for (const { workload, container } of containers) {
      for (const env of container.env ?? []) {
        const where = `${workload}: ${env.name}`;
        if (SECRET_SETTINGS.includes(env.name) && !env.valueFrom?.secretKeyRef)
          problems.push(`${where} not a secretKeyRef`);
        const secretRef = env.valueFrom?.secretKeyRef;
        if (secretRef) {
          const secret = named(secrets, secretRef.name!);
          if (!secret) problems.push(`${where}: no Secret ${secretRef.name} in deploy/k8s`);
          else if (!(secretRef.key in { ...secret.data, ...secret.stringData }) && !secretRef.optional) {
            problems.push(`${where}: Secret ${secretRef.name} has no key ${secretRef.key}`);
          }
        }
        const mapRef = env.valueFrom?.configMapKeyRef;
        if (mapRef && !(mapRef.key in (named(configMaps, mapRef.name!)?.data ?? {})) && !mapRef.optional) {
          problems.push(`${where}: no ConfigMap ${mapRef.name} with the key ${mapRef.key}`);
        }
      }
      for (const from of container.envFrom ?? []) {
        if (from.configMapRef && !named(configMaps, from.configMapRef.name!)) {
          problems.push(`${workload}: no ConfigMap ${from.configMapRef.name}`);
        }
        if (from.secretRef && !named(secrets, from.secretRef.name!)) {
          problems.push(`${workload}: no Secret ${from.secretRef.name}`);
        }
      }
    }
    // Other references to Secrets: the Ingress's TLS certificate, the Cluster's bootstrap owner.
    for (const ingress of ingresses) {
      for (const tls of ingress.spec?.tls ?? []) {
        if (!named(secrets, tls.secretName!) && !(tls.secretName! in EXTERNAL_SECRETS)) {
          problems.push(`Ingress ${ingress.metadata.name}: no Secret ${tls.secretName}`);
        }
      }
    }
    // The Secrets in deploy/k8s are templates: placeholders only, never a real value.
    for (const secret of secrets) {
      if (secret.file !== 'secrets.example.yaml') problems.push(`Secret ${secret.metadata.name} outside the templates`);
      if (secret.data) problems.push(`Secret ${secret.metadata.name}: base64 data instead of stringData placeholders`);
      for (const [key, value] of Object.entries(secret.stringData ?? {})) {
        if (value !== '' && !value.includes('change-me') && key !== 'username') {
          problems.push(`Secret ${secret.metadata.name}: ${key} is not a placeholder`);
        }
      }
    }
    expect(problems).toEqual([]);
  });

  it('gives every service its port, probes, resources and a grace period covering its shutdown', () => {
    const force = shutdownForceSeconds();
    expect(fs.readFileSync(path.join(root, 'gateway/src/index.ts'), 'utf8')).toContain('onShutdown(');
    for (const deployment of appDeployments) {
      const service = serviceOf(deployment)!;
      const pod = deployment.spec!.template.spec!;
      expect(pod.containers).toHaveLength(1);
      const container = appContainer(deployment);
      const env = environment(container);
      const port = Number(env.get('PORT')?.value ?? serviceSettings.get(service)!.defaultPort);
      const http = container.ports?.find((p) => p.containerPort === port);
      expect({ service, port: http?.containerPort }).toEqual({ service, port });
      for (const [probe, pathName] of [
        [container.readinessProbe, '/readyz'],
        [container.livenessProbe, '/healthz'],
      ] as const) {
        expect({ service, path: probe?.httpGet?.path }).toEqual({ service, path: pathName });
        expect([http!.name, port]).toContain(probe!.httpGet!.port);
      }
      for (const kind of ['requests', 'limits'] as const) {
        expect({
          service,
          kind,
          cpu: !!container.resources?.[kind]?.cpu,
          memory: !!container.resources?.[kind]?.memory,
        }).toEqual({ service, kind, cpu: true, memory: true });
      }
      const preStop = preStopSeconds(container);
      expect({ service, preStop: typeof preStop }).toEqual({ service, preStop: 'number' });
      expect({ service, grace: pod.terminationGracePeriodSeconds! >= preStop! + force }).toEqual({
        service,
        grace: true,
      });
    }
  });

  it('runs every pod unprivileged, on a read-only filesystem, without an API token', () => {
    const problems: string[] = [];
    const workloads: { name: string; template: IPodTemplateSpec }[] = [...deployments, ...jobs].map((w) => ({
      name: w.metadata.name,
      template: w.spec!.template,
    }));
    for (const { name, template } of workloads) {
      const pod = template.spec!;
      if (pod.automountServiceAccountToken !== false) problems.push(`${name}: mounts an API token`);
      if (!pod.serviceAccountName || !named(serviceAccounts, pod.serviceAccountName)) {
        problems.push(`${name}: no ServiceAccount of its own in deploy/k8s`);
      }
      if (pod.securityContext?.seccompProfile?.type !== 'RuntimeDefault') problems.push(`${name}: no seccomp profile`);
      for (const container of [...(pod.initContainers ?? []), ...pod.containers]) {
        const where = `${name}/${container.name}`;
        const runAsNonRoot = container.securityContext?.runAsNonRoot ?? pod.securityContext?.runAsNonRoot;
        const runAsUser = container.securityContext?.runAsUser ?? pod.securityContext?.runAsUser;
        if (runAsNonRoot !== true) problems.push(`${where}: runAsNonRoot is not set`);
        // numeric: the image's USER is a name (node), which the kubelet cannot check against runAsNonRoot
        if (!runAsUser) problems.push(`${where}: no numeric non-root runAsUser`);
        if (container.securityContext?.readOnlyRootFilesystem !== true) problems.push(`${where}: writable root`);
        if (container.securityContext?.allowPrivilegeEscalation !== false) problems.push(`${where}: may escalate`);
        if (!container.securityContext?.capabilities?.drop?.includes('ALL'))
          problems.push(`${where}: keeps capabilities`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('runs one image for the services and the migrations', () => {
    const images = new Set([...appDeployments, ...jobs].map((w) => w.spec!.template.spec!.containers[0].image));
    expect(images.size).toBe(1);
  });

  it("migrates with the Job before a rollout, not at the services' start", () => {
    for (const deployment of appDeployments) {
      expect({
        service: serviceOf(deployment),
        MIGRATE_ON_START: environment(appContainer(deployment)).get('MIGRATE_ON_START')?.value,
      }).toEqual({ service: serviceOf(deployment), MIGRATE_ON_START: 'false' });
    }
    const job = named(jobs, 'pos-migrate')!;
    const pod = job.spec!.template.spec!;
    expect(pod.restartPolicy).toBe('Never');
    const container = pod.containers[0];
    expect(container.workingDir).toBe('/app');
    expect(fs.readFileSync(path.join(root, 'Dockerfile'), 'utf8')).toMatch(/^WORKDIR \/app$/m);
    // It is given exactly what its script reads.
    const script = container.command!.at(-1)!;
    const reads = [...new Set([...script.matchAll(/process\.env\.(\w+)/g)].map((m) => m[1]))].sort();
    expect((container.env ?? []).map((e) => e.name).sort()).toEqual(reads);
  });

  describe("the migration Job's command", () => {
    const database = `k8s_migrate_${process.env.POS_TEST_RUN_ID ?? 'local'}`;
    const databaseUrl = () => {
      const url = new URL(process.env.POS_TEST_ADMIN_URL!);
      url.pathname = `/${database}`;
      return url.toString();
    };
    afterAll(async () => {
      const client = new Client({ connectionString: process.env.POS_TEST_ADMIN_URL });
      await client.connect();
      try {
        await client.query(`drop database if exists ${database} with (force)`);
      } finally {
        await client.end();
      }
    });

    it("migrates every service's schema of an empty database, then exits", async () => {
      await createDatabaseIfMissing(process.env.POS_TEST_ADMIN_URL!, database);
      const container = named(jobs, 'pos-migrate')!.spec!.template.spec!.containers[0];
      const [command, ...args] = container.command!;
      expect(command).toBe('node');
      // The image's working directory is the repository's root (Dockerfile: WORKDIR /app, COPY . .).
      const { stdout } = await promisify(execFile)(process.execPath, args, {
        cwd: root,
        env: { NODE_ENV: 'production', DATABASE_URL: databaseUrl() },
        timeout: 60_000,
      });
      const lines = stdout
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as { msg: string; service: string; schema: string; applied: string[] });
      expect(lines.map(({ service, schema, applied }) => ({ service, schema, applied: applied.length }))).toEqual(
        serviceOrmDefinitions.map((definition) => ({
          service: definition.name,
          schema: definition.pgSchema,
          applied: definition.migrations.length,
        })),
      );
    });
  });

  it('autoscales and budgets disruptions of every service', () => {
    for (const deployment of appDeployments) {
      const name = deployment.metadata.name;
      const podLabels = deployment.spec!.template.metadata!.labels;
      const hpa = autoscalers.filter(
        (a) => a.spec.scaleTargetRef.kind === 'Deployment' && a.spec.scaleTargetRef.name === name,
      );
      expect({ name, autoscalers: hpa.length }).toEqual({ name, autoscalers: 1 });
      expect(hpa[0].spec.minReplicas).toBeGreaterThanOrEqual(2);
      expect(hpa[0].spec.maxReplicas).toBeGreaterThanOrEqual(hpa[0].spec.minReplicas!);
      // The autoscaler owns the replica count: an apply must not reset it.
      expect({ name, replicas: deployment.spec!.replicas }).toEqual({ name, replicas: undefined });
      const pdb = disruptionBudgets.filter((b) => labelsMatch(b.spec!.selector?.matchLabels, podLabels));
      expect({ name, budgets: pdb.length }).toEqual({ name, budgets: 1 });
    }
    for (const hpa of autoscalers) expect(named(deployments, hpa.spec.scaleTargetRef.name)).toBeDefined();
  });

  it('has every Service select the pods of a workload, on a port they open', () => {
    const templates = [...deployments, ...jobs].map((w) => w.spec!.template);
    for (const service of services) {
      const pods = templates.filter((t) => labelsMatch(service.spec!.selector, t.metadata?.labels));
      expect({ service: service.metadata.name, pods: pods.length > 0 }).toEqual({
        service: service.metadata.name,
        pods: true,
      });
      for (const port of service.spec!.ports!) {
        const opened = pods[0].spec!.containers.flatMap((c) => c.ports ?? []);
        const target = port.targetPort ?? port.port;
        expect(opened.some((p) => p.name === target || p.containerPort === target)).toBe(true);
      }
    }
    for (const ingress of ingresses) {
      const backends = ingress.spec!.rules!.flatMap((rule) => rule.http!.paths.map((p) => p.backend.service!));
      // Only the gateway is reachable from outside.
      expect(backends.map((b) => b.name)).toEqual(backends.map(() => 'gateway'));
      for (const backend of backends) {
        const port = named(services, backend.name)!.spec!.ports!.find(
          (p) => p.name === backend.port!.name || p.port === backend.port!.number,
        );
        expect(port).toBeDefined();
      }
    }
  });

  describe('network policies', () => {
    const cluster = resources.find((r) => typeOf(r) === CNPG_CLUSTER)!;
    const natsRelease = natsInstall().release;
    /** Our pods, and the ones of the CloudNativePG cluster and the NATS chart, by the labels they carry. */
    const pods: Pod[] = [
      ...[...deployments, ...jobs].map((w) => ({
        name: w.metadata.name,
        namespace: NAMESPACE,
        labels: w.spec!.template.metadata!.labels!,
      })),
      { name: cluster.metadata.name, namespace: NAMESPACE, labels: { 'cnpg.io/cluster': cluster.metadata.name } },
      {
        name: natsRelease,
        namespace: NAMESPACE,
        labels: {
          'app.kubernetes.io/name': 'nats',
          'app.kubernetes.io/instance': natsRelease,
          'app.kubernetes.io/component': 'nats',
        },
      },
    ];
    const pod = (name: string) => pods.find((p) => p.name === name)!;
    const dns: Pod = { name: 'kube-dns', namespace: 'kube-system', labels: { 'k8s-app': 'kube-dns' } };
    const internet: Pod = { name: 'internet', namespace: '', labels: {}, external: true };
    const ingressController: Pod = { name: 'ingress-controller', namespace: 'ingress-nginx', labels: {} };
    const cnpgOperator: Pod = { name: 'cnpg-operator', namespace: 'cnpg-system', labels: {} };

    const nsLabels = (namespace: string) => ({ 'kubernetes.io/metadata.name': namespace });
    const selector = (s: { matchLabels?: Record<string, string>; matchExpressions?: unknown[] } | undefined) => {
      if (s?.matchExpressions?.length) throw new Error('matchExpressions: not evaluated by this test');
      return s?.matchLabels ?? {};
    };
    const peerMatches = (peer: INetworkPolicyPeer, target: Pod) => {
      if (peer.ipBlock) return target.external === true;
      if (target.external) return false;
      if (peer.namespaceSelector) {
        return (
          labelsMatch(selector(peer.namespaceSelector), nsLabels(target.namespace)) &&
          labelsMatch(selector(peer.podSelector), target.labels)
        );
      }
      return target.namespace === NAMESPACE && labelsMatch(selector(peer.podSelector), target.labels);
    };
    const portMatches = (ports: INetworkPolicyPort[] | undefined, port?: number, protocol = 'TCP') =>
      !ports?.length ||
      port === undefined ||
      ports.some((p) => (p.protocol ?? 'TCP') === protocol && (p.port === undefined || p.port === port));
    const selecting = (target: Pod, type: 'Ingress' | 'Egress') =>
      networkPolicies.filter(
        (np) =>
          target.namespace === NAMESPACE &&
          labelsMatch(selector(np.spec!.podSelector), target.labels) &&
          (np.spec!.policyTypes ?? ['Ingress']).includes(type),
      );
    /** Whether `to` accepts a connection from `from` on the port (any port when none is given). */
    const ingressAllows = (to: Pod, from: Pod, port?: number) => {
      const policies = selecting(to, 'Ingress');
      return (
        policies.length === 0 ||
        policies.some((np) =>
          (np.spec!.ingress ?? []).some(
            (rule) =>
              (!rule.from?.length || rule.from.some((peer) => peerMatches(peer, from))) &&
              portMatches(rule.ports, port),
          ),
        )
      );
    };
    /** Whether `from` may open a connection to `to` on the port and protocol. */
    const egressAllows = (from: Pod, to: Pod, port: number, protocol = 'TCP') => {
      const policies = selecting(from, 'Egress');
      return (
        policies.length === 0 ||
        policies.some((np) =>
          (np.spec!.egress ?? []).some(
            (rule) =>
              (!rule.to?.length || rule.to.some((peer) => peerMatches(peer, to))) &&
              portMatches(rule.ports, port, protocol),
          ),
        )
      );
    };

    /**
     * The connections the configuration makes: each URL setting of a service, to the pods behind its host (a
     * Service of deploy/k8s, the Cluster's `<cluster>-rw`, the NATS release's Service), and DATABASE_URL (from the
     * Secret template) for the services and the migration Job.
     */
    function expectedConnections(): { from: string; to: string; port: number }[] {
      const podsBehind = (host: string): string | undefined => {
        if (host === `${cluster.metadata.name}-rw`) return cluster.metadata.name;
        if (host === natsRelease) return natsRelease;
        const service = named(services, host);
        return (
          service &&
          [...deployments, ...jobs].find((w) => labelsMatch(service.spec!.selector, w.spec!.template.metadata!.labels))
            ?.metadata.name
        );
      };
      const databaseUrl = named(secrets, 'pos-app')!.stringData!.DATABASE_URL;
      const connections: { from: string; to: string; port: number }[] = [];
      for (const workload of [...deployments, ...jobs]) {
        for (const container of workload.spec!.template.spec!.containers) {
          for (const [name, { value }] of environment(container)) {
            const url = name === 'DATABASE_URL' ? databaseUrl : name.endsWith('_URL') ? value : undefined;
            if (!url) continue;
            const { hostname, port } = new URL(url);
            // a name of the namespace, short or qualified; anything else is outside the cluster
            const host = hostname.replace(new RegExp(`\\.${NAMESPACE}(\\.svc(\\.cluster\\.local)?)?$`), '');
            if (host.includes('.')) continue;
            const to = podsBehind(host);
            if (!to) throw new Error(`${workload.metadata.name}: ${name} points at ${hostname}, not a Service here`);
            connections.push({ from: workload.metadata.name, to, port: Number(port) });
          }
        }
      }
      return connections;
    }

    it('has a policy for every pod, and denies what none allows', () => {
      for (const target of pods) {
        expect({ pod: target.name, ingress: selecting(target, 'Ingress').length > 0 }).toEqual({
          pod: target.name,
          ingress: true,
        });
      }
      // The system's own pods are also held to the connections they open.
      for (const workload of [...deployments, ...jobs]) {
        const own = pod(workload.metadata.name);
        expect({ pod: own.name, egress: selecting(own, 'Egress').length > 0 }).toEqual({ pod: own.name, egress: true });
      }
      const defaultDeny = networkPolicies.find(
        (np) => Object.keys(selector(np.spec!.podSelector)).length === 0 && !np.spec!.ingress?.length,
      );
      expect(defaultDeny?.spec!.policyTypes).toContain('Ingress');
    });

    it('allows every connection the configuration makes, both ways', () => {
      const connections = expectedConnections();
      // The ones the brief of this system names: the subgraphs reading each other through the graph.
      expect(connections).toEqual(
        expect.arrayContaining([
          { from: 'checks', to: 'orders', port: 4001 },
          { from: 'payments', to: 'orders', port: 4001 },
          { from: 'payments', to: 'checks', port: 4002 },
          { from: 'orders', to: 'payments', port: 4003 },
        ]),
      );
      const refused = connections.filter(
        ({ from, to, port }) => !ingressAllows(pod(to), pod(from), port) || !egressAllows(pod(from), pod(to), port),
      );
      expect(refused).toEqual([]);
      for (const workload of [...appDeployments, ...jobs]) {
        expect({ pod: workload.metadata.name, dns: egressAllows(pod(workload.metadata.name), dns, 53, 'UDP') }).toEqual(
          {
            pod: workload.metadata.name,
            dns: true,
          },
        );
      }
    });

    it('allows no other connection between the pods of the namespace', () => {
      const expected = new Set(expectedConnections().map(({ from, to }) => `${from} -> ${to}`));
      const extra: string[] = [];
      for (const to of pods) {
        for (const from of pods) {
          // the gateway is public (the next test); the database's and NATS's servers talk among themselves
          if (to.name === 'gateway') continue;
          const infraPeers = from.name === to.name && !named(deployments, to.name);
          if (from !== to && !expected.has(`${from.name} -> ${to.name}`) && ingressAllows(to, from)) {
            extra.push(`${from.name} -> ${to.name}`);
          } else if (from === to && !infraPeers && ingressAllows(to, from)) {
            extra.push(`${from.name} -> itself`);
          }
        }
      }
      expect(extra).toEqual([]);
    });

    it('lets only the gateway be reached from outside the namespace', () => {
      const reachable = pods.filter((p) => ingressAllows(p, ingressController) || ingressAllows(p, internet));
      expect(reachable.map((p) => p.name)).toEqual(['gateway']);
      expect(ingressAllows(pod('gateway'), ingressController, 4000)).toBe(true);
      // The CloudNativePG operator reaches its instances' manager, and nothing else (but the public gateway).
      const fromOperator = pods.filter((p) => p.name !== 'gateway' && ingressAllows(p, cnpgOperator));
      expect(fromOperator.map((p) => p.name)).toEqual([cluster.metadata.name]);
      expect(ingressAllows(pod(cluster.metadata.name), cnpgOperator, 5432)).toBe(false);
    });
  });
});
