import type { INetworkPolicyPeer } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicyPeer' with {
  'resolution-mode': 'import',
};
import type { INetworkPolicyPort } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicyPort' with {
  'resolution-mode': 'import',
};
import {
  CNPG_CLUSTER,
  NAMESPACE,
  appDeployments,
  configMaps,
  deployments,
  environment,
  ingresses,
  jobs,
  labelsMatch,
  named,
  natsInstall,
  networkPolicies,
  resources,
  secrets,
  services,
  typeOf,
} from '../support/k8s-manifests';

/**
 * How the resources of deploy/k8s refer to each other and who may connect to whom: every Secret, ConfigMap and
 * Service a resource names exists (secrets only ever from a Secret, key by key), every Service selects pods that open
 * its port, and the network policies allow exactly the connections the services' settings make, and from outside
 * only the gateway.
 */

/** Settings that are secrets: only ever from a Secret (secretKeyRef), never a literal value or a ConfigMap key. */
const SECRET_SETTINGS = ['DATABASE_URL', 'INTERNAL_JWT_SECRET', 'KEY_ENCRYPTION_KEY', 'VALOR_API_KEY'];

/**
 * Secrets referenced but created outside deploy/k8s, with who creates them: nothing else may be missing. The
 * services' Secrets are templates in secrets.example.yaml (placeholder values, applied by nobody as they are).
 */
const EXTERNAL_SECRETS: Record<string, string> = {
  'pos-gateway-tls': "the Ingress's TLS certificate: the operator, or cert-manager (docs/operations.md)",
};

/** A pod, for NetworkPolicy evaluation: ours (from a workload) or someone else's (an operator, the chart, DNS). */
interface Pod {
  name: string;
  namespace: string;
  labels: Record<string, string>;
  /** Outside the cluster (the internet), reachable only through an ipBlock. */
  external?: boolean;
}

describe('deploy/k8s', () => {
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
