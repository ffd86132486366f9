import { createPepperHash } from '../../src/crypto/pepper-hash.ts';
import {
  CLIENT_SECRET_HASH_PURPOSE,
  generateClientId,
  generateClientSecret,
} from '../../src/domain/clients/client-secret.ts';
import { insertClient } from '../../src/storage/tables/clients.ts';
import type { Measurement } from '../lib/load.ts';
import { formatCount, summarize } from '../lib/stats.ts';
import { basicAuth, JWT_API, JWT_SCOPE } from '../lib/targets.ts';
import { inBatches, tesseraStorage } from '../lib/tessera-storage.ts';
import { FORM, tokenRequest } from './client-credentials.ts';
import { type BenchContext, check, type Row, type TesseraOnlyScenario } from './scenario.ts';

/**
 * Scenario 8, clients: the token endpoint (JWT, as scenario 1) with few vs many registered
 * clients. Rows are inserted in bulk with Tessera's clients table functions (what the server's
 * repository calls), ids and secrets generated as the CLI does; they share one secret so
 * the bench needs to keep only ids. Every request authenticates as a client picked at random from
 * all of them — the population, not one hot client, is what is measured — so Tessera's client
 * cache (60 s) and the library's client LRU see a realistic spread.
 */
const runs = async (ctx: BenchContext, label: string, file: string, count: number): Promise<Row> => {
  const measured: Measurement[] = [];
  for (let run = 0; run < ctx.options.runs; run++) {
    ctx.log(`  ${label}: run ${run + 1}/${ctx.options.runs}`);
    measured.push(
      await ctx.load(ctx.tessera.target, {
        ...tokenRequest(JWT_API, JWT_SCOPE),
        headers: { 'content-type': FORM },
        rotate: { file, into: 'authorization', template: '{}' },
      }),
    );
  }
  return {
    scenario: 'scale-clients',
    label,
    target: 'tessera',
    summary: summarize(measured),
    runs: measured,
    note: `${count.toLocaleString('en')} registered clients, one at random per request`,
  };
};

export const scaleClients: TesseraOnlyScenario = {
  kind: 'tessera-only',
  id: 'scale-clients',
  number: 8,
  title: 'scale: token endpoint with many registered clients',
  async run(ctx) {
    const [small, large] = ctx.options.scaleClients;
    const storage = await tesseraStorage(ctx.tessera);
    const secret = generateClientSecret();
    const secretHash = createPepperHash(ctx.tessera.pepper, CLIENT_SECRET_HASH_PURPOSE).digest(secret);
    const headers: string[] = [];

    const register = async (count: number) => {
      const started = Date.now();
      const ids = Array.from({ length: count }, () => generateClientId());
      // One transaction per 1000 rows, a few at a time: a commit (and its WAL flush) per row would
      // make the 100-thousand case take minutes.
      const chunks: string[][] = [];
      for (let start = 0; start < ids.length; start += 1000) chunks.push(ids.slice(start, start + 1000));
      await inBatches(chunks, 4, (chunk) =>
        storage.database.knex.transaction(async (trx) => {
          for (const clientId of chunk) {
            await insertClient(trx, {
              clientId,
              name: `bench-${clientId}`,
              secretHash,
              grantTypes: ['client_credentials'],
              resources: [JWT_API],
              scopes: [JWT_SCOPE],
            });
          }
        }),
      );
      headers.push(...ids.map((clientId) => basicAuth({ clientId, clientSecret: secret })));
      return (Date.now() - started) / 1000;
    };

    ctx.log(`  registering ${small} clients…`);
    const smallSeconds = await register(small);
    const smallRow = await runs(
      ctx,
      `token (JWT), ${formatCount(small)} clients`,
      ctx.valuesFile('scale-clients-small', headers),
      small,
    );
    ctx.log(`  registering ${large - small} more clients…`);
    const largeSeconds = await register(large - small);
    const largeRow = await runs(
      ctx,
      `token (JWT), ${formatCount(large)} clients`,
      ctx.valuesFile('scale-clients-large', headers),
      large,
    );

    const p99Ratio = largeRow.summary.p99Ms / smallRow.summary.p99Ms;
    return {
      rows: [smallRow, largeRow],
      figures: {
        registeredClientsSmall: small,
        registeredClientsLarge: large,
        insertRowsPerSecond: Math.round(large / Math.max(smallSeconds + largeSeconds, 0.001)),
        p99LargeOverSmall: Math.round(p99Ratio * 1000) / 1000,
      },
      checks: [
        check(
          'scale-clients',
          `token p99, ${formatCount(large)} ÷ ${formatCount(small)} clients`,
          p99Ratio,
          'at-most',
          1.2,
          '×',
        ),
      ],
      notes: [
        `clients inserted with Tessera's clients table functions at ${Math.round(large / Math.max(smallSeconds + largeSeconds, 0.001)).toLocaleString('en')} rows/s`,
      ],
    };
  },
};
