import { randomBytes } from 'node:crypto';
import type { Measurement } from '../lib/load.ts';
import { mintTokens } from '../lib/mint.ts';
import { formatCount, summarize } from '../lib/stats.ts';
import { basicAuth, deleteRedisPrefix, OPAQUE_API, OPAQUE_SCOPE } from '../lib/targets.ts';
import { inBatches, tesseraStorage, usedMemory } from '../lib/tessera-storage.ts';
import { FORM } from './client-credentials.ts';
import { type BenchContext, check, type Row, type TesseraOnlyScenario } from './scenario.ts';
import { TOKEN_STORE_MODEL } from '../../src/oidc/token-models-adapter.ts';

/**
 * Scenario 8, tokens: introspection p50/p99 with few vs many live opaque tokens in Redis, and
 * Redis memory per live token.
 *
 * The small set is issued for real through /token. The large set adds copies of a real entry,
 * written through Tessera's own Redis adapter (same HMAC of the id, same payload protection, same
 * prefix and TTL), each under a fresh id of the library's format (256 random bits, base64url):
 * the server cannot tell them from issued tokens. Every request introspects a token picked at
 * random from the whole live set, so the measurement is not one hot key.
 */
// Access, client-credentials and refresh tokens share one key space (src/oidc/token-models-adapter.ts).
const ENTRY = TOKEN_STORE_MODEL;

const runs = async (ctx: BenchContext, label: string, tokens: string[], file: string): Promise<Row> => {
  const { target, fixtures } = ctx.tessera;
  const measured: Measurement[] = [];
  for (let run = 0; run < ctx.options.runs; run++) {
    ctx.log(`  ${label}: run ${run + 1}/${ctx.options.runs}`);
    measured.push(
      await ctx.load(target, {
        method: 'POST',
        path: '/token/introspection',
        headers: { 'content-type': FORM, authorization: basicAuth(fixtures.resourceServer) },
        rotate: { file, into: 'body', template: 'token={}' },
      }),
    );
  }
  return {
    scenario: 'scale-introspection',
    label,
    target: 'tessera',
    summary: summarize(measured),
    runs: measured,
    note: `${tokens.length.toLocaleString('en')} live tokens, one at random per request`,
  };
};

export const scaleIntrospection: TesseraOnlyScenario = {
  kind: 'tessera-only',
  id: 'scale-introspection',
  number: 8,
  title: 'scale: introspection with many live opaque tokens; Redis memory per token',
  async run(ctx) {
    const [small, large] = ctx.options.scaleTokens;
    const { tessera } = ctx;
    const { redis, redisPrefix } = tessera;
    const ttl = tessera.fixtures.apis.find((api) => api.identifier === OPAQUE_API)?.accessTokenTtl ?? 3600;

    // Start from no live tokens: scenarios 2 and 3 issued some under this prefix.
    await deleteRedisPrefix(redis, redisPrefix, `${ENTRY}:*`);
    const empty = await usedMemory(redis);
    ctx.log(`  issuing ${small} opaque tokens through /token…`);
    const issued = await mintTokens(
      tessera.target.url,
      tessera.fixtures.service,
      { resource: OPAQUE_API, scope: OPAQUE_SCOPE },
      small,
    );
    const afterSmall = await usedMemory(redis);
    const smallRow = await runs(
      ctx,
      `introspection, ${formatCount(small)} live tokens`,
      issued,
      ctx.valuesFile('scale-tokens-small', issued),
    );

    ctx.log(`  writing ${large - small} more entries through Tessera's Redis adapter…`);
    const storage = await tesseraStorage(tessera);
    const adapter = storage.tokenStore(ENTRY);
    const template = await adapter.find(issued[0] as string);
    if (!template) throw new Error('an issued token is not in Redis: wrong prefix or pepper?');
    const started = Date.now();
    const copies = Array.from({ length: large - small }, () => randomBytes(32).toString('base64url'));
    const now = Math.floor(Date.now() / 1000);
    await inBatches(copies, 2000, (id) =>
      adapter.upsert(id, { ...template, jti: id, iat: now, exp: now + ttl }, ttl),
    );
    const fillSeconds = (Date.now() - started) / 1000;
    const afterLarge = await usedMemory(redis);
    const all = [...issued, ...copies];
    const largeRow = await runs(
      ctx,
      `introspection, ${formatCount(large)} live tokens`,
      all,
      ctx.valuesFile('scale-tokens-large', all),
    );

    // MEMORY USAGE of a sample of entries: the key and value as Redis accounts them.
    const [, sample] = await redis.scan('0', 'MATCH', `${redisPrefix}${ENTRY}:*`, 'COUNT', 2000);
    const usages = await Promise.all(
      sample
        .slice(0, 1000)
        .map((key) => redis.call('MEMORY', 'USAGE', key, 'SAMPLES', '0') as Promise<number>),
    );
    const memoryUsage = usages.reduce((sum, bytes) => sum + bytes, 0) / Math.max(1, usages.length);
    // INFO delta also counts the main and expires dictionaries' slots: what a live token really costs.
    const perTokenLarge = large > small ? (afterLarge - afterSmall) / (large - small) : Number.NaN;
    const perTokenSmall = (afterSmall - empty) / small;
    const perToken = Number.isFinite(perTokenLarge) ? perTokenLarge : perTokenSmall;

    const p99Ratio = largeRow.summary.p99Ms / smallRow.summary.p99Ms;
    return {
      rows: [smallRow, largeRow],
      figures: {
        liveTokensSmall: small,
        liveTokensLarge: large,
        redisBytesPerTokenInfoDelta: Math.round(perToken),
        redisBytesPerTokenInfoDeltaSmallSet: Math.round(perTokenSmall),
        redisBytesPerTokenMemoryUsage: Math.round(memoryUsage),
        fillEntriesPerSecond: Math.round((large - small) / Math.max(fillSeconds, 0.001)),
        p99LargeOverSmall: Math.round(p99Ratio * 1000) / 1000,
      },
      checks: [
        check(
          'scale-introspection',
          `introspection p99, ${formatCount(large)} ÷ ${formatCount(small)} tokens`,
          p99Ratio,
          'at-most',
          1.2,
          '×',
        ),
        check(
          'scale-introspection',
          'Redis memory per live opaque token (INFO delta)',
          perToken,
          'at-most',
          400,
          'B',
        ),
      ],
      notes: [
        `Redis memory per live opaque token: ${Math.round(perToken)} B (INFO used_memory delta over ${(large - small).toLocaleString('en')} entries), ${Math.round(memoryUsage)} B (MEMORY USAGE, mean of ${usages.length} keys)`,
        `${(large - small).toLocaleString('en')} entries written through Tessera's Redis adapter at ${Math.round((large - small) / Math.max(fillSeconds, 0.001)).toLocaleString('en')}/s`,
      ],
    };
  },
};
