import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { createDatabaseIfMissing } from '@pos/kit';
import { Client } from 'pg';
import { serviceOrmDefinitions } from '../../scripts/services';
import { appContainer, appDeployments, environment, jobs, named, root, serviceOf } from '../support/k8s-manifests';

/**
 * The migration Job (deploy/k8s/migrate-job.yaml): it runs the services' image, the Deployments leave migrating to
 * it (MIGRATE_ON_START=false), it is given exactly the settings its script reads, and its command, run for real
 * against an empty database, migrates every service's schema and exits. The one file of test/deploy that needs
 * PostgreSQL (the run's embedded one, test/global-setup.ts).
 */

describe('deploy/k8s', () => {
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
});
