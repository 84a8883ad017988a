import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * Validates an OpenAPI document with @seriousme/openapi-schema-validator (ajv against the official OpenAPI 3.1 JSON
 * schema). It is an ES module, which jest's CommonJS loader cannot require, so it runs in a child Node process.
 */
export function validateOpenApi(document: object): { valid: boolean; errors?: unknown } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'openapi-'));
  const file = path.join(dir, 'openapi.json');
  try {
    fs.writeFileSync(file, JSON.stringify(document));
    const script = `
      import { Validator } from '@seriousme/openapi-schema-validator';
      const result = await new Validator().validate(${JSON.stringify(file)});
      process.stdout.write(JSON.stringify(result));`;
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: __dirname });
    return JSON.parse(out.toString()) as { valid: boolean; errors?: unknown };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
