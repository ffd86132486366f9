import assert from 'node:assert/strict';
import { test } from 'node:test';
import { productionEnv } from '../helpers/production-env.ts';
import { startTessera } from '../helpers/tessera-process.ts';
import { JWT_API, postForm, registerFixtures } from '../helpers/tessera-setup.ts';

test('tessera serve --workers 2 runs two worker processes on one port and stops them on SIGTERM', async (t) => {
  const production = await productionEnv(t);
  if (!production) return;
  const tessera = await startTessera(t, production.env, {
    args: ['src/cli/main.ts', 'serve', '--workers', '2'],
    listeners: 2,
  });
  const pids = new Set(
    [...tessera.logs().matchAll(/"pid":(\d+)[^\n]*"tessera is listening"/g)].map((match) => match[1]),
  );
  assert.equal(pids.size, 2, 'two distinct worker processes listen');

  const { billing } = await registerFixtures(production.env);
  const answers = await Promise.all(
    Array.from({ length: 20 }, () =>
      postForm(`${tessera.url}/token`, billing, { grant_type: 'client_credentials', resource: JWT_API }),
    ),
  );
  assert.deepEqual(new Set(answers.map((response) => response.status)), new Set([200]));
  assert.equal(await tessera.stop(), 0);
});

test('--workers is refused in the embedded profile as a usage mistake, naming the flag', async (t) => {
  const { runCli, testEnv } = await import('../helpers/tessera-process.ts');
  const result = await runCli(testEnv(t), ['serve', '--workers', '2']);
  assert.equal(result.code, 2);
  assert.match(result.stderr, /--workers needs the production profile/);
});
