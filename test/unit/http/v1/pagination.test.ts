import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startManagementApi, type ManagementApiServer } from './management-api-server.ts';

/** Every list of the management API pages by the same rule, with the same refusal. */
const LISTS = ['/v1/access-tokens', '/v1/resources/groups/42/access-tokens', '/v1/audit-events'];

describe('paging in the management API', () => {
  let api: ManagementApiServer;
  let token: string;
  before(async () => {
    api = await startManagementApi();
    token = api.tokenWith(['admin']);
  });
  after(() => api.close());

  test('refuses a limit outside 1–100 on every list, naming the parameter and the range', async () => {
    for (const path of LISTS) {
      for (const limit of ['0', '101', '500', '-1', '2.5', 'ten', '']) {
        const before = api.calls.length;
        const reply = await api.request('GET', `${path}?limit=${limit}`, { token });
        assert.equal(reply.status, 400, `${path} limit=${limit}`);
        assert.match(reply.headers.get('content-type') ?? '', /^application\/problem\+json/);
        assert.deepEqual(
          reply.json().errors,
          [{ parameter: 'limit', detail: 'must be a whole number from 1 to 100' }],
          `${path} limit=${limit}`,
        );
        assert.equal(api.calls.length, before, 'the domain is not asked');
      }
    }
  });

  test('passes the limit asked for, or 20, to the domain on every list', async () => {
    for (const path of LISTS) {
      await api.request('GET', `${path}?limit=100`, { token });
      assert.equal((api.calls.at(-1)?.args.at(-1) as { limit: number }).limit, 100, path);
      await api.request('GET', path, { token });
      assert.equal((api.calls.at(-1)?.args.at(-1) as { limit: number }).limit, 20, path);
    }
  });
});
