import fs from 'node:fs';
import path from 'node:path';
import { subgraphEnvSchema } from '@pos/kit';
import type { IContainer } from 'kubernetes-models/v1/Container' with { 'resolution-mode': 'import' };
import type { IPodTemplateSpec } from 'kubernetes-models/v1/PodTemplateSpec' with { 'resolution-mode': 'import' };
import { gatewayEnvSchema } from '../../gateway/src/config';
import { subgraphDefinitions } from '../../scripts/services';
import {
  appContainer,
  appDeployments,
  autoscalers,
  deployments,
  disruptionBudgets,
  environment,
  jobs,
  labelsMatch,
  named,
  readServiceSettings,
  root,
  serviceAccounts,
  serviceOf,
} from '../support/k8s-manifests';

/**
 * What each service's Deployment gives it and how its pods run: one Deployment per service, set only the settings
 * its config schema reads and every one it requires, in an environment that schema accepts; its port, probes,
 * resources and a grace period that covers its shutdown; pods unprivileged on a read-only filesystem; and an
 * autoscaler and a disruption budget for each.
 */

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

/** What each service reads, requires and refuses: the gateway's config schema and each subgraph's. */
const serviceSettings = readServiceSettings([
  { name: 'gateway', defaultPort: Number(gatewayEnvSchema.shape.PORT.parse(undefined)), schema: gatewayEnvSchema },
  ...subgraphDefinitions.map((definition) => ({
    name: definition.name,
    defaultPort: definition.defaultPort,
    schema: subgraphEnvSchema(definition.defaultPort, definition.env),
  })),
]);

/** Stand-ins for the secrets when a service's environment is parsed with its schema (the templates hold placeholders). */
const TEST_SECRET_VALUES: Record<string, string> = {
  DATABASE_URL: 'postgres://pos:secret@pos-db-rw:5432/pos',
  INTERNAL_JWT_SECRET: 'an-internal-key-of-at-least-32-characters',
  KEY_ENCRYPTION_KEY: Buffer.alloc(32, 7).toString('base64'),
  VALOR_API_KEY: '',
};

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

describe('deploy/k8s', () => {
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
});
