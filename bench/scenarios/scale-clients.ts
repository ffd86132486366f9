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
 * all of them — the population, not one hot client, is what is measured.
 *
 * Both cases are measured in the steady state of a running deployment, in which every client has
 * asked before: first each registered client asks for one token (the cold pass: a PostgreSQL read
 * per client, reported on its own), then the measured runs. Without that pass the small case
 * would be measured warm — its warm-up alone asks 30 000 times — and the large one mostly cold,
 * comparing a cache hit with a database read rather than 10 with 100 thousand clients.
 */

/** Every header asks for one token, `connections` at a time; the rate and the failures. */
const coldPass = async (ctx: BenchContext, headers: string[]) => {
  const { body, path } = tokenRequest(JWT_API, JWT_SCOPE);
  let next = 0;
  let failures = 0;
  const started = performance.now();
  const worker = async () => {
    while (next < headers.length) {
      const authorization = headers[next++] as string;
      const response = await fetch(`${ctx.tessera.target.url}${path}`, {
        method: 'POST',
        headers: { 'content-type': FORM, authorization },
        body,
      });
      await response.arrayBuffer();
      if (!response.ok) failures += 1;
    }
  };
  await Promise.all(Array.from({ length: ctx.options.connections }, worker));
  return { requestsPerSecond: Math.round(headers.length / ((performance.now() - started) / 1000)), failures };
};

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

    const firstRequests = async (from: number) => {
      ctx.log(`  each of ${formatCount(headers.length - from)} new clients asks once…`);
      return coldPass(ctx, headers.slice(from));
    };

    ctx.log(`  registering ${small} clients…`);
    const smallSeconds = await register(small);
    const smallCold = await firstRequests(0);
    const smallRow = await runs(
      ctx,
      `token (JWT), ${formatCount(small)} clients`,
      ctx.valuesFile('scale-clients-small', headers),
      small,
    );
    ctx.log(`  registering ${large - small} more clients…`);
    const largeSeconds = await register(large - small);
    const largeCold = await firstRequests(small);
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
        firstRequestPerSecondSmall: smallCold.requestsPerSecond,
        firstRequestPerSecondLarge: largeCold.requestsPerSecond,
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
        check(
          'scale-clients',
          'errors, first token of each client',
          smallCold.failures + largeCold.failures,
          'at-most',
          0,
          'errors',
        ),
      ],
      notes: [
        `clients inserted with Tessera's clients table functions at ${Math.round(large / Math.max(smallSeconds + largeSeconds, 0.001)).toLocaleString('en')} rows/s`,
        `before the measured runs every client asked once (a PostgreSQL read each, ${ctx.options.connections} at a time from the bench process): ` +
          `${smallCold.requestsPerSecond.toLocaleString('en')} req/s for the first ${formatCount(small)}, ` +
          `${largeCold.requestsPerSecond.toLocaleString('en')} req/s for the ${formatCount(large - small)} more`,
      ],
    };
  },
};
