import { createAccessTokens } from '../lib/access-token-fixtures.ts';
import { introspectActive } from '../lib/mint.ts';
import { deleteRedisPrefix } from '../lib/targets.ts';
import { inBatches, usedMemory } from '../lib/tessera-storage.ts';
import type { TesseraOnlyScenario } from './scenario.ts';

/**
 * Scenario 8, PATs: Redis bytes per live PAT. PATs are created through the management API (which
 * writes their entries); then every entry is deleted — as a Redis flush would — and each PAT is
 * introspected once, which restores its entry from Postgres. The `used_memory` delta over those
 * restores, divided by their number, is what a live PAT costs in Redis (key, value, TTL, the
 * dictionaries' slots); `MEMORY USAGE` of the restored keys is reported too. No target in issue 6
 * (the 400 B target is for opaque tokens); reported next to it.
 */
const ENTRY = 'AccessTokenEntry';

export const scalePatMemory: TesseraOnlyScenario = {
  kind: 'tessera-only',
  id: 'scale-pat-memory',
  number: 8,
  title: 'scale: Redis memory per PAT',
  async run(ctx) {
    const { tessera } = ctx;
    const { redis, redisPrefix, target, fixtures } = tessera;
    const count = ctx.options.patMemoryTokens;
    ctx.log(`  creating ${count} PATs through the management API…`);
    const started = Date.now();
    const pats = await createAccessTokens(tessera, 'personal', count);
    const createSeconds = (Date.now() - started) / 1000;

    // DEL-like: UNLINK frees entries this small at once, so used_memory has settled right after.
    await deleteRedisPrefix(redis, redisPrefix, `${ENTRY}:*`);
    const before = await usedMemory(redis);
    ctx.log(`  introspecting each once, which restores its Redis entry from Postgres…`);
    await inBatches(pats, 32, (pat) => introspectActive(target.url, fixtures.resourceServer, pat));
    const after = await usedMemory(redis);

    let cursor = '0';
    const keys: string[] = [];
    do {
      const [next, found] = await redis.scan(cursor, 'MATCH', `${redisPrefix}${ENTRY}:*`, 'COUNT', 2000);
      cursor = next;
      keys.push(...found);
    } while (cursor !== '0' && keys.length < 1000);
    if (keys.length === 0) throw new Error('no PAT entry was restored in Redis: wrong prefix?');
    const usages = await Promise.all(
      keys.slice(0, 1000).map((key) => redis.call('MEMORY', 'USAGE', key, 'SAMPLES', '0') as Promise<number>),
    );
    const memoryUsage = usages.reduce((sum, bytes) => sum + bytes, 0) / usages.length;
    const entryBytes = await redis.strlen(keys[0] as string);
    const perPat = (after - before) / count;
    return {
      rows: [],
      figures: {
        pats: count,
        redisBytesPerPatInfoDelta: Math.round(perPat),
        redisBytesPerPatMemoryUsage: Math.round(memoryUsage),
        entryValueBytes: entryBytes,
        patsCreatedPerSecond: Math.round(count / Math.max(createSeconds, 0.001)),
      },
      checks: [],
      notes: [
        `Redis memory per live PAT: ${Math.round(perPat)} B (INFO used_memory delta over ${count.toLocaleString('en')} entries restored by introspection), ${Math.round(memoryUsage)} B (MEMORY USAGE, mean of ${usages.length} keys); the JSON value is ${entryBytes} B`,
        `${count.toLocaleString('en')} PATs created through POST /v1/access-tokens at ${Math.round(count / Math.max(createSeconds, 0.001)).toLocaleString('en')}/s (16 at a time)`,
      ],
    };
  },
};
