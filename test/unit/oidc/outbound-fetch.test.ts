import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { checkOutboundUrl, OutboundFetchRefused } from '../../../src/oidc/configuration/outbound-fetch.ts';

const policy = { allowHosts: ['127.0.0.1:8443', 'metadata.internal.test'] };

const refused = async (url: string, message: RegExp) =>
  assert.rejects(checkOutboundUrl(url, policy), (error: unknown) => {
    assert.ok(error instanceof OutboundFetchRefused, String(error));
    assert.match(error.message, message);
    return true;
  });

describe('the SSRF guard of the provider’s own fetches', () => {
  test('refuses anything but https', async () => {
    await refused('http://client.example.com/metadata.json', /only https/);
    await refused('file:///etc/passwd', /only https/);
    await refused('not a url', /absolute URL/);
    await refused('https://user:pw@client.example.com/m.json', /credentials/);
  });

  test('refuses loopback, private, link-local and unique-local addresses', async () => {
    for (const url of [
      'https://127.0.0.1/m.json',
      'https://127.0.0.1:9443/m.json',
      'https://10.1.2.3/m.json',
      'https://172.16.0.1/m.json',
      'https://192.168.1.1/m.json',
      'https://169.254.169.254/latest/meta-data',
      'https://100.64.0.1/m.json',
      'https://[::1]/m.json',
      'https://[fc00::1]/m.json',
      'https://[fd12:3456::1]/m.json',
      'https://[fe80::1]/m.json',
      'https://[::ffff:127.0.0.1]/m.json',
      'https://0.0.0.0/m.json',
    ])
      await refused(url, /not a public address/);
  });

  test('checks the addresses a name resolves to', async () => {
    // localhost resolves to the loopback (/etc/hosts): refused though the name looks harmless.
    await refused('https://localhost/m.json', /resolves to (127\.0\.0\.1|::1)/);
    await refused('https://does-not-exist.invalid/m.json', /does not resolve/);
  });

  test('lets the operator’s allowlist through, by host and port or by name', async () => {
    assert.equal((await checkOutboundUrl('https://127.0.0.1:8443/m.json', policy)).host, '127.0.0.1:8443');
    assert.equal(
      (await checkOutboundUrl('https://metadata.internal.test/m.json', policy)).hostname,
      'metadata.internal.test',
    );
    assert.equal(
      (await checkOutboundUrl('https://1.1.1.1/m.json', policy)).hostname,
      '1.1.1.1',
      'a public address',
    );
  });
});
