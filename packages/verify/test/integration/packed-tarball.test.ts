import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ROOT } from '../../../../test/helpers/tessera-process.ts';

/**
 * A user installs Tessera from a packed tarball into a project of their own and imports
 * `@tessera/verify` and its middleware: the `exports`, the compiled JavaScript and the `.d.ts`
 * types must all resolve from node_modules, without TypeScript sources or type stripping.
 */
const NODE_20 = '/usr/bin/node';

// Under `npm test` npm says where its own CLI is; otherwise npm comes from PATH.
const npm = (args: string[], cwd: string): string => {
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('npm_')));
  const [command, commandArgs] = process.env.npm_execpath
    ? [process.execPath, [process.env.npm_execpath, ...args]]
    : ['npm', args];
  const result = spawnSync(command, commandArgs, { cwd, env, encoding: 'utf8', timeout: 170_000 });
  if (result.status !== 0)
    throw new Error(`npm ${args.join(' ')} failed (${result.status}):\n${result.stdout}\n${result.stderr}`);
  return result.stdout;
};

const CONSUMER_SCRIPT = `
import { createVerifier, VerifyError } from '@tessera/verify';
import { requireScope, requireToken, principalOf } from '@tessera/verify/koa';
import * as forExpress from '@tessera/verify/express';

const verifier = createVerifier({ issuer: 'https://auth.example.test', audience: 'https://api.example.test' });
let refused;
try {
  await verifier.verify('tsr_pat_not-a-real-token');
} catch (error) {
  refused = error instanceof VerifyError ? error.code : String(error);
}
console.log(JSON.stringify({
  createVerifier: typeof createVerifier,
  koa: [typeof requireToken, typeof requireScope, typeof principalOf],
  express: [typeof forExpress.requireToken, typeof forExpress.requireScope, typeof forExpress.principalOf],
  refused,
}));
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

const EXPECTED = {
  createVerifier: 'function',
  koa: ['function', 'function', 'function'],
  express: ['function', 'function', 'function'],
  refused: 'invalid_token',
};

test(
  'a separate project installs the packed tarball and imports @tessera/verify, /koa and /express',
  { timeout: 180_000 },
  async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'tessera-pack-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));

    // `npm pack` runs `prepare`, which compiles src/verify into dist/verify.
    const [packed] = JSON.parse(npm(['pack', '--json', '--pack-destination', dir], ROOT)) as {
      filename: string;
      files: { path: string }[];
    }[];
    const files = packed!.files.map((file) => file.path);
    for (const expected of [
      'dist/verify/index.js',
      'dist/verify/index.d.ts',
      'dist/verify/koa.js',
      'dist/verify/express.d.ts',
    ])
      assert.ok(files.includes(expected), `${expected} is in the tarball`);
    assert.deepEqual(
      files.filter((path) => path.startsWith('test/') || path.startsWith('src/verify/')),
      [],
      'neither tests nor TypeScript sources of the library are shipped',
    );

    const consumer = join(dir, 'consumer');
    mkdirSync(consumer);
    writeFileSync(
      join(consumer, 'package.json'),
      JSON.stringify({ name: 'consumer', private: true, type: 'module' }),
    );
    // Production dependencies only, from npm's cache when it has them (CI's `npm ci` just filled it).
    npm(
      ['install', join(dir, packed!.filename), '--omit=dev', '--prefer-offline', '--no-audit', '--no-fund'],
      consumer,
    );

    writeFileSync(join(consumer, 'check.js'), CONSUMER_SCRIPT);
    const run = (node: string) =>
      JSON.parse(execFileSync(node, ['check.js'], { cwd: consumer, encoding: 'utf8' })) as typeof EXPECTED;
    assert.deepEqual(run(process.execPath), EXPECTED);

    await t.test('the compiled library runs on Node 20, which cannot strip types', (sub) => {
      const version = existsSync(NODE_20)
        ? execFileSync(NODE_20, ['--version'], { encoding: 'utf8' }).trim()
        : '';
      if (!version.startsWith('v20.')) return sub.skip(`no Node 20 at ${NODE_20} (${version || 'absent'})`);
      assert.deepEqual(run(NODE_20), EXPECTED);
    });

    await t.test('its .d.ts types check in a strict TypeScript project (skipLibCheck off)', () => {
      writeFileSync(join(consumer, 'api.ts'), CONSUMER_TYPES);
      writeFileSync(
        join(consumer, 'tsconfig.json'),
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
        cwd: consumer,
        encoding: 'utf8',
      });
      assert.equal(tsc.status, 0, tsc.stdout + tsc.stderr);
    });
  },
);
