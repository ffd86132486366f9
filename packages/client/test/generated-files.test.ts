import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { GENERATED, generateClientFiles } from '../../../scripts/generate-client.ts';

/**
 * The committed OpenAPI document and the client's types are what `npm run generate:client` writes
 * from the routes as they are now: a route or schema change without regenerating fails here.
 */
test('packages/client/openapi.json and src/schema.ts are up to date (npm run generate:client)', async () => {
  const fresh = await generateClientFiles();
  for (const [name, path] of Object.entries(GENERATED))
    assert.ok(
      readFileSync(path, 'utf8') === fresh[name as keyof typeof fresh],
      `${path} is stale: run \`npm run generate:client\` and commit the result`,
    );
});
