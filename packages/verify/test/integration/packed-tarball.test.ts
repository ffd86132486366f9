import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createPat, createUser, putMember, putResources } from '../../../../test/helpers/platform-setup.ts';
import {
  installedPackages,
  installProject,
  pack,
  type Packed,
  userEnv,
} from '../../../../test/helpers/packed-package.ts';
import { ROOT, startTessera, suiteScope, testEnv } from '../../../../test/helpers/tessera-process.ts';
import { JWT_API, OPAQUE_API, postForm, registerFixtures } from '../../../../test/helpers/tessera-setup.ts';

/**
 * An API author installs @tessera/verify from its packed tarball into a project of their own, with
 * nothing else (the core) or with koa and express (the middleware), and checks a running Tessera's
 * tokens with it on Node 20 and on this Node (24): the `exports`, the compiled JavaScript and the
 * `.d.ts` types must all resolve from node_modules, and jose must be all it brings.
 */
const PACKAGE_DIR = resolve(import.meta.dirname, '../..');
const NODES = { 'Node 20': '/usr/bin/node', 'this Node': process.execPath };

/** The core: every kind of token, checked offline (JWT) or by introspection (opaque, PAT). */
const CORE_CONSUMER = `
import { createVerifier, protectedResourceMetadata, protectedResourceMetadataUrl, VerifyError } from '@tessera/verify';

const input = JSON.parse(process.env.CASE);
const verifier = (audience) => createVerifier({ issuer: input.issuer, audience, introspection: input.introspection });
const outcome = async (audience, token) => {
  try {
    const principal = await verifier(audience).verify(token);
    return { kind: principal.kind, subject: principal.subject, scopes: principal.scopes, readOnly: principal.can('groups:read-only') };
  } catch (error) {
    return { refused: error instanceof VerifyError ? error.code : String(error) };
  }
};
console.log(JSON.stringify({
  node: process.versions.node.split('.')[0],
  jwt: await outcome(input.jwtApi, input.jwt),
  opaque: await outcome(input.opaqueApi, input.opaque),
  pat: await outcome(input.jwtApi, input.pat),
  forged: await outcome(input.jwtApi, 'tsr_pat_not-a-real-token'),
  offlineOnly: await createVerifier({ issuer: input.issuer, audience: input.jwtApi }).verify(input.pat).then(() => 'accepted', (error) => error.code),
  metadata: protectedResourceMetadata({ verifier: verifier(input.jwtApi + '/mcp'), scopesSupported: ['mcp:tools'] }),
  metadataUrl: protectedResourceMetadataUrl(input.jwtApi + '/mcp'),
}));
`;

/** The middleware: the same JWT through a koa and an express route requiring a scope. */
const MIDDLEWARE_CONSUMER = `
import { createServer } from 'node:http';
import express from 'express';
import Koa from 'koa';
import { createVerifier } from '@tessera/verify';
import * as forExpress from '@tessera/verify/express';
import * as forKoa from '@tessera/verify/koa';

const input = JSON.parse(process.env.CASE);
const verifier = createVerifier({ issuer: input.issuer, audience: input.jwtApi });

const koa = new Koa();
koa.use(forKoa.requireToken(verifier));
koa.use(async (ctx, next) => (ctx.path === '/write' ? forKoa.requireScope('groups:read-write')(ctx, next) : next()));
koa.use((ctx) => { ctx.body = { subject: forKoa.principalOf(ctx).subject }; });

const app = express();
app.use(forExpress.requireToken(verifier));
app.get('/write', forExpress.requireScope('groups:read-write'), (req, res) => res.json({}));
app.get('/read', (req, res) => res.json({ subject: forExpress.principalOf(req).subject }));

const listen = (handler) => new Promise((done) => { const server = createServer(handler).listen(0, '127.0.0.1', () => done(server)); });
const ask = async (server, path, token) => {
  const response = await fetch(\`http://127.0.0.1:\${server.address().port}\${path}\`, token ? { headers: { authorization: \`Bearer \${token}\` } } : {});
  return { status: response.status, challenge: response.headers.get('www-authenticate'), body: response.status === 200 ? await response.json() : undefined };
};
const answers = {};
for (const [name, server] of [['koa', await listen(koa.callback())], ['express', await listen(app)]]) {
  answers[name] = { read: await ask(server, '/read', input.jwt), none: await ask(server, '/read'), write: await ask(server, '/write', input.jwt) };
  server.close();
}
console.log(JSON.stringify(answers));
`;

const CONSUMER_TYPES = `
import { createVerifier, type Principal, VerifyError } from '@tessera/verify';
import { requireScope, requireToken } from '@tessera/verify/koa';
import * as forExpress from '@tessera/verify/express';

const verifier = createVerifier({ issuer: 'https://auth.example.test', audience: 'https://api.example.test' });
export const allowed = async (token: string): Promise<boolean> => {
  try {
    const principal: Principal = await verifier.verify(token);
    return principal.can('applications:read-only', { type: 'applications', id: '7', ancestors: [{ type: 'groups', id: '42' }] });
  } catch (error) {
    if (error instanceof VerifyError && error.code === 'invalid_token') return false;
    throw error;
  }
};
export const chain = [requireToken(verifier), requireScope('groups:read-only'), forExpress.requireToken(verifier)];
`;

const node20 = (): string | undefined =>
  existsSync(NODES['Node 20']) &&
  execFileSync(NODES['Node 20'], ['--version'], { encoding: 'utf8' }).startsWith('v20.')
    ? NODES['Node 20']
    : undefined;

describe('@tessera/verify installed from its packed tarball', { timeout: 300_000 }, () => {
  const scope = suiteScope(after);
  let dir: string;
  let packed: Packed;
  let input: Record<string, unknown>;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tessera-verify-pack-'));
    scope.after(() => rmSync(dir, { recursive: true, force: true }));
    packed = pack(PACKAGE_DIR, dir);

    const env = testEnv(scope);
    const tessera = await startTessera(scope, env);
    const clients = await registerFixtures(env);
    const tokenFor = async (resource: string, scopes: string) => {
      const response = await postForm(`${tessera.url}/token`, clients.billing, {
        grant_type: 'client_credentials',
        resource,
        scope: scopes,
      });
      assert.equal(response.status, 200, await response.clone().text());
      return ((await response.json()) as { access_token: string }).access_token;
    };
    // A PAT holds no more than its owner: alice maintains group 42.
    await putResources(env, [['groups/42', null]]);
    await createUser(env, 'alice');
    await putMember(env, 'groups/42', 'alice', 'maintainer');
    input = {
      issuer: tessera.url,
      jwtApi: JWT_API,
      opaqueApi: OPAQUE_API,
      introspection: {
        clientId: clients.resourceServer.client_id,
        clientSecret: clients.resourceServer.client_secret,
      },
      billing: clients.billing.client_id,
      jwt: await tokenFor(JWT_API, 'groups:read-only'),
      opaque: await tokenFor(OPAQUE_API, 'instances:read-only'),
      pat: (await createPat(env, 'alice', 'groups:read-only')).token,
    };
  });

  const run = (node: string, project: string, script: string) =>
    JSON.parse(
      execFileSync(node, [script], {
        cwd: project,
        env: { ...userEnv(), CASE: JSON.stringify(input) },
        encoding: 'utf8',
      }),
    ) as Record<string, unknown>;

  test('the tarball ships compiled JavaScript and .d.ts types, not sources or tests, and depends on jose only', () => {
    for (const expected of [
      'dist/index.js',
      'dist/index.d.ts',
      'dist/koa.js',
      'dist/koa.d.ts',
      'dist/express.js',
      'dist/express.d.ts',
      'README.md',
    ])
      assert.ok(packed.files.includes(expected), `${expected} is in the tarball`);
    assert.deepEqual(
      packed.files.filter(
        (path) =>
          path.startsWith('src/') ||
          path.startsWith('test/') ||
          (path.endsWith('.ts') && !path.endsWith('.d.ts')),
      ),
      [],
    );
    assert.deepEqual(packed.manifest.dependencies, {
      jose: (packed.manifest.dependencies as Record<string, string>).jose,
    });
    assert.deepEqual(Object.keys(packed.manifest.peerDependencies as object).sort(), ['express', 'koa']);
  });

  test('installed on its own it brings jose and nothing else, and checks every kind of token on Node 20 and 24', async (t) => {
    const project = join(dir, 'core');
    installProject(project, [packed.tarball]);
    assert.deepEqual(installedPackages(project), ['@tessera/verify', 'jose']);
    writeFileSync(join(project, 'check.js'), CORE_CONSUMER);

    for (const [label, node] of [
      ['Node 20', node20()],
      ['this Node', NODES['this Node']],
    ] as const)
      await t.test(label, (sub) => {
        if (!node) return sub.skip(`no Node 20 at ${NODES['Node 20']}`);
        const answer = run(node, project, 'check.js');
        const billing = input.billing as string;
        assert.deepEqual(answer.jwt, {
          kind: 'client',
          subject: billing,
          scopes: ['groups:read-only'],
          readOnly: true,
        });
        assert.deepEqual(answer.opaque, {
          kind: 'client',
          subject: billing,
          scopes: ['instances:read-only'],
          readOnly: false,
        });
        assert.equal((answer.pat as { kind: string }).kind, 'personal');
        assert.equal((answer.pat as { readOnly: boolean }).readOnly, true);
        assert.deepEqual(answer.forged, { refused: 'invalid_token' });
        // Without introspection credentials a PAT cannot be checked, and is refused.
        assert.equal(answer.offlineOnly, 'invalid_token');
        // RFC 9728 metadata, built with nothing newer than Node 20 has.
        const api = input.jwtApi as string;
        assert.deepEqual(answer.metadata, {
          resource: `${api}/mcp`,
          authorization_servers: [input.issuer],
          scopes_supported: ['mcp:tools'],
          bearer_methods_supported: ['header'],
        });
        assert.equal(answer.metadataUrl, `${new URL(api).origin}/.well-known/oauth-protected-resource/mcp`);
        if (label === 'Node 20') assert.equal(answer.node, '20');
      });
  });

  test('with koa and express installed, its middleware answers 200, 401 and 403 on Node 20 and 24; it adds nothing but jose', async (t) => {
    const project = join(dir, 'middleware');
    installProject(project, [packed.tarball, 'koa@3', 'express@5']);
    assert.deepEqual(installedPackages(project, ['koa', 'express']), ['@tessera/verify', 'jose']);
    writeFileSync(join(project, 'check.js'), MIDDLEWARE_CONSUMER);

    for (const [label, node] of [
      ['Node 20', node20()],
      ['this Node', NODES['this Node']],
    ] as const)
      await t.test(label, (sub) => {
        if (!node) return sub.skip(`no Node 20 at ${NODES['Node 20']}`);
        const answers = run(node, project, 'check.js') as Record<
          string,
          Record<string, { status: number; challenge: string | null; body?: unknown }>
        >;
        for (const framework of ['koa', 'express']) {
          const { read, none, write } = answers[framework]!;
          assert.deepEqual(
            read,
            { status: 200, challenge: null, body: { subject: input.billing } },
            framework,
          );
          assert.equal(none!.status, 401, framework);
          assert.match(none!.challenge ?? '', /^Bearer /, framework);
          assert.equal(write!.status, 403, framework);
          assert.match(write!.challenge ?? '', /error="insufficient_scope"/, framework);
          assert.match(write!.challenge ?? '', /scope="groups:read-write"/, framework);
        }
      });
  });

  test('its .d.ts types check in a strict TypeScript project (skipLibCheck off)', () => {
    const project = join(dir, 'typed');
    installProject(project, [packed.tarball]);
    writeFileSync(join(project, 'api.ts'), CONSUMER_TYPES);
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
          types: ['node'],
          typeRoots: [join(ROOT, 'node_modules/@types')],
        },
        files: ['api.ts'],
      }),
    );
    const tsc = spawnSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', '.'], {
      cwd: project,
      env: userEnv(),
      encoding: 'utf8',
    });
    assert.equal(tsc.status, 0, tsc.stdout + tsc.stderr);
  });
});
