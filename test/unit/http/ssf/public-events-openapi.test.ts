import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Validator } from '@seriousme/openapi-schema-validator';
import { createPublicEventsOpenApi } from '../../../../src/http/ssf/public-events-openapi.ts';
import { ssfConfiguration } from '../../../../src/http/ssf/ssf-routes.ts';

/** The OpenAPI document of the Shared Signals and leaked-token endpoints (GET /ssf/openapi.json). */
const ISSUER = 'https://auth.example.test';
const document = createPublicEventsOpenApi(ISSUER);

describe('the token-events OpenAPI document', () => {
  test('is a valid OpenAPI 3.1 document whose references all resolve', async () => {
    const validator = new Validator();
    const result = await validator.validate(structuredClone(document));
    assert.deepEqual(result.errors, undefined);
    assert.equal(result.valid, true);
    assert.doesNotThrow(() => validator.resolveRefs());
  });

  test('documents every endpoint the SSF metadata advertises, and the leak report', () => {
    const configuration = ssfConfiguration(ISSUER);
    const advertised = [
      configuration.configuration_endpoint,
      configuration.status_endpoint,
      configuration.verification_endpoint,
      configuration.add_subject_endpoint,
      configuration.remove_subject_endpoint,
    ].map((url) => new URL(url).pathname);
    for (const path of [
      ...advertised,
      '/.well-known/ssf-configuration',
      '/ssf/poll/{stream_id}',
      '/leaked-tokens',
    ]) {
      assert.ok(path in document.paths, `${path} is documented`);
    }
  });

  test('describes stream bodies from the schemas the routes validate with', () => {
    const create = document.paths['/ssf/streams'].post.requestBody.content['application/json'].schema as {
      properties: Record<string, unknown>;
      additionalProperties: boolean;
    };
    assert.ok('delivery' in create.properties && 'events_requested' in create.properties);
    assert.equal(create.additionalProperties, false);
  });
});
