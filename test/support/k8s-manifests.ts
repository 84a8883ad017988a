import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { IJob } from 'kubernetes-models/batch/v1/Job' with { 'resolution-mode': 'import' };
import type { IDeployment } from 'kubernetes-models/apps/v1/Deployment' with { 'resolution-mode': 'import' };
import type { IHorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler' with {
  'resolution-mode': 'import',
};
import type { IIngress } from 'kubernetes-models/networking.k8s.io/v1/Ingress' with { 'resolution-mode': 'import' };
import type { INetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy' with {
  'resolution-mode': 'import',
};
import type { IPodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget' with {
  'resolution-mode': 'import',
};
import type { IConfigMap } from 'kubernetes-models/v1/ConfigMap' with { 'resolution-mode': 'import' };
import type { IContainer } from 'kubernetes-models/v1/Container' with { 'resolution-mode': 'import' };
import type { ISecret } from 'kubernetes-models/v1/Secret' with { 'resolution-mode': 'import' };
import type { IService } from 'kubernetes-models/v1/Service' with { 'resolution-mode': 'import' };
import { parseAllDocuments } from 'yaml';

/**
 * The Kubernetes manifests under deploy/k8s (docs/operations.md, "Deploying to Kubernetes"), parsed for the tests of
 * test/deploy: every document of every file, the resources by kind, what each service's config schema reads and
 * requires, the environment a container is given, and the child process that validates resources against the
 * Kubernetes schemas. One module, so that each test file reads the manifests the same way.
 */
export const root = path.resolve(__dirname, '../..');
export const K8S_DIR = path.join(root, 'deploy/k8s');
export const NAMESPACE = 'pos';

export const KUSTOMIZATION = 'kustomization.yaml';
/** Helm values: parsed, never validated as a resource. */
export const HELM_VALUES = 'nats/values.yaml';

/** The one custom resource: CloudNativePG's Cluster, checked by hand (its CRD's schema is not in kubernetes-models). */
export const CNPG_CLUSTER = 'postgresql.cnpg.io/v1/Cluster';

/**
 * Validates each object with its kubernetes-models class (`new Model(object).validate()` throws on an invalid one):
 * the message of each failure, null for a valid object. The package is ES modules only (its exports have no
 * `require` condition), which jest's module system cannot load on Node 20, so a Node process of its own imports it.
 */
export function validateWithModels(items: { model: string; object: unknown }[]): (string | null)[] {
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

export interface Resource {
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
export function yamlFiles(dir = K8S_DIR): string[] {
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

export const { documents, errors: parseErrors } = parseAll();
export const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
export const resources: Resource[] = documents
  .filter((d) => d.file !== KUSTOMIZATION && d.file !== HELM_VALUES && isObject(d.value))
  .map((d) => ({ ...(d.value as Resource), file: d.file }));
export const typeOf = (r: Resource) => `${r.apiVersion}/${r.kind}`;
const ofKind = <T>(apiVersionKind: string) =>
  resources.filter((r) => typeOf(r) === apiVersionKind) as unknown as (T & Resource)[];
export const named = <T extends Resource>(list: T[], name: string) => list.find((r) => r.metadata.name === name);

export const deployments = ofKind<IDeployment>('apps/v1/Deployment');
export const jobs = ofKind<IJob>('batch/v1/Job');
export const services = ofKind<IService>('v1/Service');
export const configMaps = ofKind<IConfigMap>('v1/ConfigMap');
export const secrets = ofKind<ISecret>('v1/Secret');
export const networkPolicies = ofKind<INetworkPolicy>('networking.k8s.io/v1/NetworkPolicy');
export const autoscalers = ofKind<IHorizontalPodAutoscaler>('autoscaling/v2/HorizontalPodAutoscaler');
export const disruptionBudgets = ofKind<IPodDisruptionBudget>('policy/v1/PodDisruptionBudget');
export const ingresses = ofKind<IIngress>('networking.k8s.io/v1/Ingress');
export const serviceAccounts = ofKind('v1/ServiceAccount');

/** The settings each service reads (the keys of its zod schema), and which of them have no default. */
interface ServiceSettings {
  reads: Set<string>;
  required: string[];
  defaultPort: number;
  /** The problems its schema finds in an environment: what would stop it at start. */
  problems(env: Record<string, string>): string[];
}
type Schema = {
  shape: Record<string, { isOptional(): boolean }>;
  safeParse(env: unknown): { error?: { issues: { path: PropertyKey[]; message: string }[] } };
};
/**
 * The settings of each service, read from its config schema. The schemas are passed in rather than imported here:
 * importing them loads every service's modules (1 to 2 s a test file on two cores), which only the files that read
 * the settings should pay for.
 */
export function readServiceSettings(
  schemas: { name: string; defaultPort: number; schema: Schema }[],
): Map<string, ServiceSettings> {
  const issues = (schema: Schema) => (env: Record<string, string>) =>
    (schema.safeParse(env).error?.issues ?? []).map((issue) => `${issue.path.join('.')}: ${issue.message}`);
  return new Map(
    schemas.map(({ name, defaultPort, schema }) => [
      name,
      {
        reads: new Set(Object.keys(schema.shape)),
        // zod: optional() and default() both make a field optional; what is left must be set
        required: Object.entries(schema.shape)
          .filter(([, field]) => !field.isOptional())
          .map(([name]) => name),
        defaultPort,
        problems: issues(schema),
      },
    ]),
  );
}

/** The workloads that run a service of the image: a Deployment whose container sets SERVICE to its name. */
export const appContainer = (d: IDeployment): IContainer => d.spec!.template.spec!.containers[0];
export const serviceOf = (d: IDeployment) => appContainer(d).env?.find((e) => e.name === 'SERVICE')?.value;
export const appDeployments = deployments.filter((d) => serviceOf(d) !== undefined);

interface Setting {
  /** The literal value (env value or ConfigMap data); none for a Secret's. */
  value?: string;
  /** The Secret's key it comes from. */
  secretKey?: string;
  source: string;
}
/** The names a container's environment gets, from env and envFrom (env wins, as in Kubernetes). */
export function environment(container: IContainer): Map<string, Setting> {
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

/** The release name and namespace of the NATS chart, from the install command in its values file. */
export function natsInstall(): { release: string; namespace: string } {
  const text = fs.readFileSync(path.join(K8S_DIR, HELM_VALUES), 'utf8');
  const install = /helm upgrade --install (\S+) nats\/nats --namespace (\S+) .*-f deploy\/k8s\/nats\/values\.yaml/.exec(
    text,
  );
  if (!install) throw new Error(`${HELM_VALUES}: no \`helm upgrade --install <release> nats/nats\` command`);
  return { release: install[1], namespace: install[2] };
}

export const labelsMatch = (selector: Record<string, string> | undefined, labels: Record<string, string> | undefined) =>
  selector !== undefined && Object.entries(selector).every(([key, value]) => labels?.[key] === value);
