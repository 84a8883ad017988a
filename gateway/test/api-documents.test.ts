import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import { isLoyaltyApiPath, isMobileApiPath } from '../src/rest/errors';
import { asyncApiDocument, openApiDocument } from '../src/rest/openapi';
import { routes } from '../src/rest/routes';

const SERVER = 'https://pos.example.com';

/**
 * Validates with @seriousme/openapi-schema-validator (ajv against the official OpenAPI 3.1 JSON schema). It is an
 * ES module, which jest's CommonJS loader cannot require, so it runs in a child Node process, unchanged.
 */
function validateOpenApi(document: object): { valid: boolean; errors?: unknown } {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'openapi-')), 'openapi.json');
  fs.writeFileSync(file, JSON.stringify(document));
  const script = `
    import { Validator } from '@seriousme/openapi-schema-validator';
    const result = await new Validator().validate(${JSON.stringify(file)});
    process.stdout.write(JSON.stringify(result));`;
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: __dirname });
  return JSON.parse(out.toString()) as { valid: boolean; errors?: unknown };
}

describe('API documents', () => {
  const openapi = openApiDocument(routes, SERVER);

  it('the OpenAPI document is valid OpenAPI 3.1', () => {
    expect(validateOpenApi(openapi)).toEqual({ valid: true });
  });

  it('the validator does reject a broken document (so the check above means something)', () => {
    const broken = { ...openapi, paths: { '/x': { get: { responses: { 200: { content: 'not an object' } } } } } };
    expect(validateOpenApi(broken).valid).toBe(false);
  });

  it('lists every route of the route table with its scope, parameters, body and every status it can answer', () => {
    const paths = openapi.paths as Record<string, Record<string, any>>;
    const documented = Object.entries(paths).flatMap(([p, methods]) => Object.keys(methods).map((m) => `${m} ${p}`));
    expect(documented.sort()).toEqual(routes.map((r) => `${r.method} ${r.path}`).sort());
    for (const route of routes) {
      const operation = paths[route.path][route.method];
      expect(operation.operationId).toBe(route.operationId);
      const mobile = isMobileApiPath(route.path);
      const loyalty = isLoyaltyApiPath(route.path);
      // The loyalty routes take the org's X-Api-Key and nothing else.
      expect(operation.security).toEqual(
        loyalty
          ? [{ loyaltyApiKey: [] }]
          : mobile
            ? [{ oauth2: [route.scope] }]
            : [{ oauth2: [route.scope] }, { posUser: [] }],
      );
      // The mobile and loyalty documents have their own error bodies; mobile refusals are 400s, never 409 or 422.
      const errorSchema = operation.responses['400'].content['application/json'].schema.$ref;
      expect(errorSchema).toBe(`#/components/schemas/${mobile ? 'MobileError' : loyalty ? 'LoyaltyError' : 'Error'}`);
      const statuses = Object.keys(operation.responses).map(Number);
      expect(statuses).toEqual(expect.arrayContaining([route.response.status, 400, 401, 403, 500]));
      for (const status of route.errors ?? []) expect(statuses).toContain(status);
      for (const name of route.path.match(/\{(\w+)\}/g) ?? []) {
        expect(operation.parameters).toContainEqual(
          expect.objectContaining({ name: name.slice(1, -1), in: 'path', required: true }),
        );
      }
      if (route.body) expect(operation.requestBody.content['application/json'].schema.type).toBe('object');
      if (route.idempotent) {
        expect(operation.parameters).toContainEqual(expect.objectContaining({ name: 'Idempotency-Key', in: 'header' }));
        if (mobile) expect(statuses).not.toEqual(expect.arrayContaining([409]));
        else expect(statuses).toEqual(expect.arrayContaining([409, 422]));
      }
    }
  });

  it('documents the v1 error body with its machine code', () => {
    const error = (openapi.components.schemas as Record<string, any>).Error;
    expect(error.required).toEqual(['status', 'code', 'timestamp', 'message', 'details']);
  });

  it('documents the loyalty error body and the X-Api-Key scheme', () => {
    const { schemas, securitySchemes } = openapi.components as Record<string, any>;
    expect(schemas.LoyaltyError.required).toEqual(['error', 'message']);
    expect(Object.keys(schemas.LoyaltyError.properties)).toEqual(
      expect.arrayContaining(['challenge_id', 'remaining_attempts']),
    );
    expect(securitySchemes.loyaltyApiKey).toEqual(
      expect.objectContaining({ type: 'apiKey', in: 'header', name: 'X-Api-Key' }),
    );
  });

  it('the AsyncAPI document is valid AsyncAPI 3.0.0 against the official JSON schema', () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const schema = require('@asyncapi/specs/schemas/3.0.0-without-$id.json') as object;
    const ajv = new Ajv({ strict: false, allErrors: true });
    addFormats(ajv);
    const validate = ajv.compile(schema);
    const document = asyncApiDocument(SERVER);
    expect(validate(document) ? [] : validate.errors).toEqual([]);
    expect(validate({ ...document, channels: { bad: { address: 42 } } })).toBe(false);
  });
});
