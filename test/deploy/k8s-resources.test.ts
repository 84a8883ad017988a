import fs from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import {
  CNPG_CLUSTER,
  HELM_VALUES,
  K8S_DIR,
  KUSTOMIZATION,
  NAMESPACE,
  type Resource,
  configMaps,
  deployments,
  documents,
  isObject,
  named,
  natsInstall,
  parseErrors,
  resources,
  root,
  secrets,
  typeOf,
  validateWithModels,
  yamlFiles,
} from '../support/k8s-manifests';

/**
 * The files of deploy/k8s as Kubernetes and its tools take them: every document parses, every resource is valid
 * against the Kubernetes schemas and sets no field their types lack, the CloudNativePG Cluster (a custom resource the
 * schemas do not know) is checked by hand, kustomization.yaml lists every file it should, and the NATS chart's
 * values install the release the services are pointed at.
 */

/** Files that are not `kubectl apply -k` material, each applied on its own (see deploy/k8s/kustomization.yaml). */
const APPLIED_ON_THEIR_OWN = ['secrets.example.yaml', 'migrate-job.yaml'];

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

/**
 * The fields no Kubernetes type has, by object: the schemas above accept any extra field (a typo such as
 * `readinesProbe` passes them, and the API server would refuse it or drop it), so each object is also type-checked,
 * as an object literal of kubernetes-models' TypeScript interface for its kind, whose excess properties TypeScript
 * reports. The first problem of each object, or null. Here rather than in the support module: only this file needs
 * it, and the other files need not load the TypeScript compiler.
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
});
