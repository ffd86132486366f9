import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { exportJWK, generateKeyPair } from 'jose';
import { AppError } from '../../../src/errors.ts';
import { checkClientKeys } from '../../../src/domain/clients/client-keys.ts';

/** No host allowed beyond the public internet (TESSERA_OUTBOUND_ALLOW_HOSTS unset). */
const STRICT: string[] = [];

const keyPair = async (alg: string) => {
  const { publicKey, privateKey } = await generateKeyPair(alg, { extractable: true });
  return { publicJwk: await exportJWK(publicKey), privateJwk: await exportJWK(privateKey) };
};

/** The problems of the refusal, as `field: detail` lines. */
const refusal = async (promise: Promise<unknown>): Promise<string[]> => {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof AppError, String(error));
    assert.equal(error.code, 'invalid_input');
    return (error.fields ?? [{ field: error.field, detail: error.message }]).map(
      ({ field, detail }) => `${field}: ${detail}`,
    );
  }
  assert.fail('expected a refusal');
};

describe('client keys (private_key_jwt)', () => {
  test('accepts public ES256, RS256 and EdDSA keys and says nothing when nothing is asked', async () => {
    const keys = [
      { ...(await keyPair('ES256')).publicJwk, kid: 'ec' },
      { ...(await keyPair('RS256')).publicJwk, kid: 'rsa', alg: 'PS256' },
      { ...(await keyPair('EdDSA')).publicJwk, kid: 'ed', use: 'sig' },
    ];
    assert.deepEqual(
      await checkClientKeys(
        { tokenEndpointAuthMethod: 'private_key_jwt', jwks: { keys } },
        'service',
        STRICT,
      ),
      { tokenEndpointAuthMethod: 'private_key_jwt', jwks: { keys }, jwksUri: null },
    );
    assert.equal(await checkClientKeys({}, 'service', STRICT), undefined);
    assert.equal(
      await checkClientKeys({ tokenEndpointAuthMethod: 'client_secret_basic' }, 'web', STRICT),
      undefined,
    );
  });

  test('refuses private key material, naming the key and the members', async () => {
    const { privateJwk } = await keyPair('ES256');
    const { publicJwk } = await keyPair('ES256');
    assert.deepEqual(
      await refusal(
        checkClientKeys(
          { tokenEndpointAuthMethod: 'private_key_jwt', jwks: { keys: [publicJwk, privateJwk] } },
          'service',
          STRICT,
        ),
      ),
      [
        'jwks.keys.1: key 2 contains private key material (d): register only the public key — a private key must never leave the client',
      ],
    );
    const rsa = (await keyPair('RS256')).privateJwk;
    const [line] = await refusal(
      checkClientKeys({ tokenEndpointAuthMethod: 'private_key_jwt', jwks: { keys: [rsa] } }, 'web', STRICT),
    );
    assert.match(String(line), /^jwks\.keys\.0: key 1 contains private key material \(d, p, q, dp, dq, qi\)/);
    const [oct] = await refusal(
      checkClientKeys(
        { tokenEndpointAuthMethod: 'private_key_jwt', jwks: { keys: [{ kty: 'oct', k: 'c2VjcmV0' }] } },
        'service',
        STRICT,
      ),
    );
    assert.match(String(oct), /^jwks\.keys\.0: key 1 is a symmetric key \(kty "oct"\)/);
  });

  test('refuses malformed sets and keys', async () => {
    const pkjwt = (jwks: unknown) =>
      refusal(checkClientKeys({ tokenEndpointAuthMethod: 'private_key_jwt', jwks }, 'service', STRICT));
    assert.deepEqual(await pkjwt([]), ['jwks: must be a JSON Web Key Set: an object with a "keys" array']);
    assert.deepEqual(await pkjwt({ keys: [] }), ['jwks: must hold at least one public key']);
    assert.match(
      String((await pkjwt({ keys: [{ kty: 'EC', crv: 'P-256', x: 'AA', y: 'AA' }] }))[0]),
      /^jwks\.keys\.0: key 1 is not a valid EC public key/,
    );
    const { publicJwk } = await keyPair('ES256');
    assert.deepEqual(await pkjwt({ keys: [{ ...publicJwk, alg: 'HS256' }] }), [
      'jwks.keys.0: key 1 has alg "HS256": must be one of ES256, ES384, PS256, RS256, Ed25519, EdDSA',
    ]);
    assert.deepEqual(await pkjwt({ keys: [{ ...publicJwk, use: 'enc' }] }), [
      'jwks.keys.0: key 1 has use "enc": must be "sig"',
    ]);
  });

  test('refuses jwks and jwks_uri together, neither, http, loopback and private addresses', async () => {
    const { publicJwk } = await keyPair('ES256');
    const method = { tokenEndpointAuthMethod: 'private_key_jwt' };
    assert.deepEqual(
      await refusal(
        checkClientKeys(
          { ...method, jwks: { keys: [publicJwk] }, jwksUri: 'https://keys.example.test/jwks' },
          'service',
          STRICT,
        ),
      ),
      ['jwksUri: give either {jwks} or {jwksUri}, not both: the keys come from one place'],
    );
    assert.match(
      String((await refusal(checkClientKeys(method, 'service', STRICT)))[0]),
      /^jwks: is required with private_key_jwt/,
    );
    assert.match(
      String(
        (
          await refusal(
            checkClientKeys({ ...method, jwksUri: 'http://keys.example.test/jwks' }, 'service', STRICT),
          )
        )[0],
      ),
      /jwksUri must use https/,
    );
    assert.match(
      String(
        (
          await refusal(checkClientKeys({ ...method, jwksUri: 'https://127.0.0.1/jwks' }, 'service', STRICT))
        )[0],
      ),
      /jwksUri must not point at a private, loopback or link-local address/,
    );
    assert.match(
      String(
        (
          await refusal(
            checkClientKeys({ ...method, jwksUri: 'https://169.254.169.254/jwks' }, 'service', STRICT),
          )
        )[0],
      ),
      /jwksUri must not point at a private, loopback or link-local address/,
    );
    // A host the operator allows (TESSERA_OUTBOUND_ALLOW_HOSTS) may be anywhere, still over https.
    assert.deepEqual(
      await checkClientKeys({ ...method, jwksUri: 'https://127.0.0.1:8443/jwks' }, 'service', [
        '127.0.0.1:8443',
      ]),
      { tokenEndpointAuthMethod: 'private_key_jwt', jwks: null, jwksUri: 'https://127.0.0.1:8443/jwks' },
    );
    assert.match(
      String(
        (
          await refusal(
            checkClientKeys({ ...method, jwksUri: 'http://127.0.0.1:8443/jwks' }, 'service', [
              '127.0.0.1:8443',
            ]),
          )
        )[0],
      ),
      /jwksUri must use https/,
    );
  });

  test('refuses keys without private_key_jwt, for public clients, and a way back to a secret', async () => {
    const { publicJwk } = await keyPair('ES256');
    assert.match(
      String((await refusal(checkClientKeys({ jwks: { keys: [publicJwk] } }, 'service', STRICT)))[0]),
      /^jwks: is for clients that authenticate with private_key_jwt/,
    );
    assert.match(
      String(
        (await refusal(checkClientKeys({ tokenEndpointAuthMethod: 'private_key_jwt' }, 'spa', STRICT)))[0],
      ),
      /^tokenEndpointAuthMethod: a public client \(spa\)/,
    );
    const current = {
      tokenEndpointAuthMethod: 'private_key_jwt',
      jwks: { keys: [publicJwk] },
      jwksUri: null,
    };
    assert.match(
      String(
        (
          await refusal(
            checkClientKeys({ tokenEndpointAuthMethod: 'client_secret_basic' }, 'service', STRICT, current),
          )
        )[0],
      ),
      /cannot go back from private_key_jwt to a secret/,
    );
    // New keys for a client that already has some: the method may be left out.
    const { publicJwk: next } = await keyPair('EdDSA');
    assert.deepEqual(await checkClientKeys({ jwks: { keys: [next] } }, 'service', STRICT, current), {
      tokenEndpointAuthMethod: 'private_key_jwt',
      jwks: { keys: [next] },
      jwksUri: null,
    });
  });
});
