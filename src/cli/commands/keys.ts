import { resolve } from 'node:path';
import { type Command, InvalidArgumentError } from 'commander';
import type { ApiResource } from '../../domain/api-resources/api-resource.ts';
import { generateKeys } from '../../keys/generate-keys.ts';
import { keyFilePath, readKeyFile } from '../../keys/key-file.ts';
import { type KeyRow, listKeys } from '../../keys/key-ring.ts';
import { retireKeys } from '../../keys/retire-keys.ts';
import { type RotatedKey, rotateKeys } from '../../keys/rotate-keys.ts';
import { SIGNING_ALGS } from '../../keys/signing-key.ts';
import { keysFromJwks } from '../../keys/stored-jwks.ts';
import { parseScopeList } from '../../domain/scopes/scope-list.ts';
import { notFound } from '../../errors.ts';
import { usageError } from '../cli-error.ts';
import type { CommandContext } from '../command-context.ts';
import { printJson, printTable } from '../output.ts';

const FLAGS = {
  activateInSeconds: '--activate-in',
  fromDir: '--from-dir',
  algs: '--alg',
  maxTokenTtlSeconds: '--max-token-ttl',
  kid: '--kid',
};

/** ID tokens live an hour: the floor for how long a retired key's tokens may still be presented. */
const ID_TOKEN_TTL = 3600;

const now = () => Math.floor(Date.now() / 1000);
const iso = (seconds: number | undefined) =>
  seconds === undefined ? undefined : new Date(seconds * 1000).toISOString();

const seconds = (flag: string) => (value: string) => {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError(`${flag} must be a whole number of seconds`);
  return Number(value);
};

const rowJson = (row: KeyRow & { reason?: string; retirableAt?: number }) => ({
  kid: row.kid,
  alg: row.alg,
  status: row.status,
  created_at: iso(row.createdAt),
  activates_at: iso(row.activatesAt),
  stopped_signing_at: iso(row.stoppedSigningAt),
  ...(row.reason ? { kept_because: row.reason } : {}),
  ...(row.retirableAt ? { retirable_at: iso(row.retirableAt) } : {}),
});

const printRows = (rows: ReturnType<typeof rowJson>[]) =>
  printTable(rows, ['kid', 'alg', 'status', 'activates_at', 'stopped_signing_at']);

type RetireJson = { removed: KeyRow[]; kept: (KeyRow & { reason: string; retirableAt?: number })[] };

export const registerKeyCommands = (program: Command, context: CommandContext): void => {
  const group = program
    .command('keys')
    .description(
      `signing keys (${SIGNING_ALGS.join(', ')}): in Postgres (production profile, sealed) or TESSERA_KEYS_DIR (embedded)`,
    );

  /** The production profile keeps the keys in Postgres: the same operations as /v1/keys, audited. */
  const inDatabase = () => context.config().keysStore === 'database';

  const keysDir = () => {
    const config = context.config();
    if (config.jwks) {
      throw usageError('signing keys come from TESSERA_JWKS; change them by redeploying with a new JWKS');
    }
    return config.keysDir;
  };

  group
    .command('generate')
    .description('create the key file with one key per algorithm (the server also does this on first start)')
    .option('--force', 'replace an existing key file (tokens signed by its keys stop verifying)')
    .option('--json', 'print JSON')
    .action(async (options) =>
      context.run(FLAGS, async () => {
        if (inDatabase()) {
          const stored = (await context.admin('keys.generate', {
            force: options.force === true,
          })) as KeyRow[];
          const rows = stored.map(rowJson);
          if (options.json) printJson({ path: 'signing_keys', keys: rows });
          else {
            process.stdout.write('stored in the signing_keys table (private parts sealed)\n');
            printRows(rows);
          }
          return;
        }
        const dir = keysDir();
        const keys = await generateKeys(dir, { now: now(), force: options.force === true });
        const rows = listKeys(keys, now()).map(rowJson);
        if (options.json) printJson({ path: keyFilePath(dir), keys: rows });
        else {
          process.stdout.write(`wrote ${keyFilePath(dir)} (mode 0600)\n`);
          printRows(rows);
        }
      }),
    );

  group
    .command('list')
    .description(
      'list keys: signing, pending (published, signs later) or previous (published for verification)',
    )
    .option('--json', 'print JSON')
    .action(async (options) =>
      context.run(FLAGS, async () => {
        const config = context.config();
        if (inDatabase()) {
          const rows = ((await context.admin('keys.list', undefined)) as KeyRow[]).map(rowJson);
          if (options.json) printJson(rows);
          else printRows(rows);
          return;
        }
        const keys = config.jwks ? keysFromJwks(config.jwks) : await readKeyFile(config.keysDir);
        if (!keys)
          throw notFound(`no key file at ${keyFilePath(config.keysDir)}; run: tessera keys generate`);
        const rows = listKeys(keys, now()).map(rowJson);
        if (options.json) printJson(rows);
        else printRows(rows);
      }),
    );

  group
    .command('rotate')
    .description(
      'add a new key per algorithm; it is published at once and becomes the signer after --activate-in',
    )
    .option(
      '--activate-in <seconds>',
      'delay before the new keys sign, so instances and relying parties that cache /jwks see them first ' +
        '(default: 0 for a keys folder; in Postgres TESSERA_JWKS_CACHE_SECONDS + 2, also the minimum)',
      seconds('--activate-in'),
    )
    .option(
      '--alg <algs>',
      `comma-separated algorithms to rotate (default: all of ${SIGNING_ALGS.join(', ')})`,
    )
    .option('--json', 'print JSON')
    .action(async (options) =>
      context.run(FLAGS, async () => {
        const algs = options.alg ? parseScopeList(options.alg) : undefined;
        const { added } = inDatabase()
          ? ((await context.admin('keys.rotate', { activateInSeconds: options.activateIn, algs })) as {
              added: RotatedKey[];
            })
          : await rotateKeys(keysDir(), { now: now(), activateInSeconds: options.activateIn ?? 0, algs });
        const rows = added.map((key) => ({ kid: key.kid, alg: key.alg, signs_from: iso(key.activatesAt) }));
        if (options.json) printJson({ added: rows });
        else {
          printTable(rows, ['kid', 'alg', 'signs_from']);
          process.stdout.write(
            'Running servers pick the new keys up without a restart. Retire the old ones later with: tessera keys retire\n',
          );
        }
      }),
    );

  group
    .command('retire')
    .description('remove keys that stopped signing longer ago than the longest token lifetime')
    .option('--kid <kid>', 'retire only this key')
    .option(
      '--max-token-ttl <seconds>',
      'longest token lifetime (default: the longest API resource TTL, at least 3600)',
      seconds('--max-token-ttl'),
    )
    .option('--force', 'remove even if tokens it signed may still be valid (e.g. after a key leak)')
    .option('--json', 'print JSON')
    .action(async (options) =>
      context.run(FLAGS, async () => {
        if (inDatabase()) {
          const result = (await context.admin('keys.retire', {
            kid: options.kid,
            force: options.force === true,
            maxTokenTtlSeconds: options.maxTokenTtl,
          })) as RetireJson;
          printRetired(result, options.json === true);
          return;
        }
        const dir = keysDir();
        const maxTokenTtlSeconds =
          options.maxTokenTtl ??
          Math.max(
            ID_TOKEN_TTL,
            ...((await context.admin('api-resources.list', undefined)) as ApiResource[]).map(
              (api) => api.accessTokenTtl,
            ),
          );
        const result = await retireKeys(dir, {
          now: now(),
          maxTokenTtlSeconds,
          kid: options.kid,
          force: options.force === true,
        });
        printRetired(result, options.json === true);
      }),
    );

  group
    .command('import')
    .description(
      'copy the keys of a keys folder into Postgres (production profile); keys already there are left alone, so running it again changes nothing',
    )
    .requiredOption('--from-dir <dir>', 'the keys folder to import (its jwks.json, mode 0600)')
    .option('--json', 'print JSON')
    .action(async (options) =>
      context.run(FLAGS, async () => {
        if (!inDatabase()) {
          throw usageError(
            'keys import copies a keys folder into Postgres: it needs the production profile (DATABASE_URL) without TESSERA_JWKS',
          );
        }
        const keys = await readKeyFile(resolve(options.fromDir));
        if (!keys) throw usageError(`--from-dir ${keyFilePath(resolve(options.fromDir))} does not exist`);
        const result = (await context.admin('keys.import', { keys })) as {
          imported: KeyRow[];
          alreadyStored: string[];
        };
        const imported = result.imported.map(rowJson);
        if (options.json) printJson({ imported, already_stored: result.alreadyStored });
        else {
          process.stdout.write(
            `imported ${imported.length} key(s); ${result.alreadyStored.length} already stored\n`,
          );
          if (imported.length > 0) printRows(imported);
        }
      }),
    );
};

const printRetired = (result: RetireJson, json: boolean) => {
  const removed = result.removed.map(rowJson);
  const kept = result.kept.filter((row) => row.status === 'previous').map(rowJson);
  if (json) printJson({ removed, kept });
  else {
    process.stdout.write(
      removed.length ? `retired ${removed.map((row) => row.kid).join(', ')}\n` : 'no key retired\n',
    );
    for (const row of kept)
      process.stdout.write(`kept ${row.kid}: tokens it signed may be valid until ${row.retirable_at}\n`);
  }
};
