import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { createJwksUriFetch } from '../../../src/oidc/jwks-uri-fetch.ts';

const JWKS = { keys: [{ kty: 'OKP', crv: 'Ed25519', x: '11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo' }] };

describe('the jwks_uri fetch (the webhooks outbound rules)', () => {
  let server: Server;
  let base: string;
  before(async () => {
    server = createServer((request, response) => {
      if (request.url === '/jwks') {
        response.setHeader('content-type', 'application/json');
        response.setHeader('cache-control', 'max-age=300');
        response.end(JSON.stringify(JWKS));
      } else if (request.url === '/huge') {
        response.end('x'.repeat(4096));
      } else if (request.url === '/redirect') {
        response.writeHead(302, { location: '/jwks' }).end();
      } else if (request.url === '/slow') {
        // Never answers: the fetch gives up on its own.
      }
    });
    await new Promise<void>((listening) => server.listen(0, '127.0.0.1', listening));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => {
    server.closeAllConnections();
    server.close();
  });

  test('fetches from loopback only when the operator allows it', async () => {
    const allowed = createJwksUriFetch({ allowHttpLoopback: true });
    const response = await allowed(`${base}/jwks`, { headers: { accept: 'application/json' } });
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('cache-control'), 'max-age=300');
    assert.deepEqual(await response.json(), JWKS);

    const strict = createJwksUriFetch({ allowHttpLoopback: false });
    await assert.rejects(strict(`${base}/jwks`), /refused to connect to 127\.0\.0\.1: not a public address/);
    await assert.rejects(
      strict(`http://localhost:${new URL(base).port}/jwks`),
      /refused to connect to localhost: it resolves to no public address/,
    );
    await assert.rejects(strict('https://169.254.169.254/latest/meta-data'), /not a public address/);
    await assert.rejects(strict('https://[::1]/jwks'), /not a public address/);
    await assert.rejects(strict('file:///etc/passwd'), /only https/);
  });

  test('bounds the body and the time, and does not follow redirects', async () => {
    const bounded = createJwksUriFetch({ allowHttpLoopback: true }, { maxBytes: 1024, timeoutMs: 200 });
    await assert.rejects(bounded(`${base}/huge`), /127\.0\.0\.1:\d+ answered more than 1024 bytes/);
    await assert.rejects(bounded(`${base}/slow`), /127\.0\.0\.1:\d+ did not answer within 200 ms/);
    const redirect = await bounded(`${base}/redirect`);
    assert.equal(redirect.status, 302, 'the library sees the 3xx and refuses it');
  });
});
