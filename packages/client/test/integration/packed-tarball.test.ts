import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  installedPackages,
  installProject,
  pack,
  type Packed,
  userEnv,
} from '../../../../test/helpers/packed-package.ts';
import { createPat, createUser } from '../../../../test/helpers/platform-setup.ts';
import {
  ROOT,
  startTessera,
  suiteScope,
  testEnv,
  type TesseraInstance,
} from '../../../../test/helpers/tessera-process.ts';

/**
 * An administrator installs @tessera/client from its packed tarball into a TypeScript project of
 * their own, type-checks a small script with it and runs it against a running Tessera: create,
 * list and revoke a personal access token, and the typed problems of a conflict and a not-found.
 */
const PACKAGE_DIR = resolve(import.meta.dirname, '../..');

const ADMIN_SCRIPT = `
import { createTesseraClient, TesseraProblem, unwrap, type components } from '@tessera/client';

type IssuedToken = components['schemas']['IssuedPersonalAccessToken'];

const client = createTesseraClient({
  baseUrl: process.env.TESSERA_URL ?? 'http://localhost:3000',
  getToken: () => process.env.TESSERA_TOKEN ?? '',
});

const body = { name: 'deploy script', scopes: ['tokens:read'], expires_in_days: 30 };
const created: IssuedToken = await unwrap(client.POST('/v1/access-tokens', { body }));

const { data: page, error } = await client.GET('/v1/access-tokens', { params: { query: { state: 'active' } } });
if (error) throw new TesseraProblem(error);
const listed = page.data.some((token) => token.id === created.id && token.name === body.name);

// The same name again: \`error\` is the RFC 9457 problem, typed.
const again = await client.POST('/v1/access-tokens', { body });
const conflict: { status: number; code: string } | undefined = again.error && { status: again.error.status, code: again.error.code };

const revoked = await unwrap(client.DELETE('/v1/access-tokens/{id}', { params: { path: { id: created.id } } }));

let missing: unknown;
try {
  await unwrap(client.GET('/v1/access-tokens/{id}', { params: { path: { id: 'tok_0000000000000000000000' } } }));
} catch (problem) {
  missing = problem instanceof TesseraProblem ? { status: problem.status, code: problem.code } : String(problem);
}

// @ts-expect-error: a name is a string, and the types say so
export const wrong = () => client.POST('/v1/access-tokens', { body: { name: 7, scopes: [] } });

console.log(JSON.stringify({ id: created.id, prefix: created.token.slice(0, 8), listed, conflict, revoked: revoked.state, missing }));
`;

describe('@tessera/client installed from its packed tarball', { timeout: 300_000 }, () => {
  const scope = suiteScope(after);
  let dir: string;
  let packed: Packed;
  let tessera: TesseraInstance;
  let adminToken: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tessera-client-pack-'));
    scope.after(() => rmSync(dir, { recursive: true, force: true }));
    packed = pack(PACKAGE_DIR, dir);
    const env = testEnv(scope);
    tessera = await startTessera(scope, env);
    await createUser(env, 'dana', ['--admin']);
    adminToken = (await createPat(env, 'dana', 'tokens:read tokens:write')).token;
  });

  test('the tarball ships compiled JavaScript, .d.ts types and the OpenAPI document, and depends on openapi-fetch only', () => {
    for (const expected of [
      'dist/index.js',
      'dist/index.d.ts',
      'dist/schema.d.ts',
      'openapi.json',
      'README.md',
    ])
      assert.ok(packed.files.includes(expected), `${expected} is in the tarball`);
    assert.deepEqual(
      packed.files.filter((path) => path.startsWith('src/') || path.startsWith('test/')),
      [],
    );
    assert.deepEqual(Object.keys(packed.manifest.dependencies as object), ['openapi-fetch']);
  });

  test('the OpenAPI document it ships is the one a running Tessera serves', async () => {
    const served = (await (await fetch(`${tessera.url}/v1/openapi.json`)).json()) as { servers: unknown };
    const shipped = JSON.parse(readFileSync(join(PACKAGE_DIR, 'openapi.json'), 'utf8')) as {
      servers: unknown;
    };
    assert.deepEqual({ ...served, servers: [] }, { ...shipped, servers: [] });
  });

  test('a typed admin script type-checks (tsc --noEmit) and creates, lists and revokes a token', () => {
    const project = join(dir, 'admin');
    installProject(project, [packed.tarball]);
    assert.deepEqual(installedPackages(project), [
      '@tessera/client',
      'openapi-fetch',
      'openapi-typescript-helpers',
    ]);
    writeFileSync(join(project, 'admin.ts'), ADMIN_SCRIPT);
    writeFileSync(
      join(project, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          target: 'es2022',
          module: 'nodenext',
          moduleResolution: 'nodenext',
          strict: true,
          noEmit: true,
          skipLibCheck: false,
          verbatimModuleSyntax: true,
          types: ['node'],
          typeRoots: [join(ROOT, 'node_modules/@types')],
        },
        files: ['admin.ts'],
      }),
    );
    const tsc = spawnSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', '.'], {
      cwd: project,
      env: userEnv(),
      encoding: 'utf8',
    });
    assert.equal(tsc.status, 0, tsc.stdout + tsc.stderr);

    // Node strips the types of a project's own .ts files (not of node_modules, which has dist/).
    const output = execFileSync(process.execPath, ['admin.ts'], {
      cwd: project,
      env: { ...userEnv(), TESSERA_URL: tessera.url, TESSERA_TOKEN: adminToken },
      encoding: 'utf8',
    });
    const answer = JSON.parse(output) as Record<string, unknown>;
    assert.match(answer.id as string, /^tok_/);
    assert.equal(answer.prefix, 'tsr_pat_');
    assert.equal(answer.listed, true);
    assert.deepEqual(answer.conflict, { status: 409, code: 'conflict' });
    assert.equal(answer.revoked, 'revoked');
    assert.deepEqual(answer.missing, { status: 404, code: 'not_found' });
  });
});
