import { createAccessTokens, RAT_ROLE, TOKEN_SCOPES } from '../lib/access-token-fixtures.ts';
import { interleavedRows, rateRatio } from '../lib/interleave.ts';
import { introspectActive, mintTokens } from '../lib/mint.ts';
import { basicAuth, OPAQUE_API, OPAQUE_SCOPE } from '../lib/targets.ts';
import { FORM } from './client-credentials.ts';
import { type BenchContext, check, type LoadPlan, type TesseraOnlyScenario } from './scenario.ts';

/**
 * Scenario 4: the opaque API's resource server introspects personal and resource access tokens.
 * Each answer recomputes the effective scope (the token's scopes ∩ what its subject's roles allow
 * today): the PATs belong to a maintainer of groups/42, the RATs are developer bots on it. The
 * target is relative to opaque introspection (scenario 3) on the same server, so an opaque row is
 * measured here as well, interleaved with the two, run by run.
 */
const introspect = (ctx: BenchContext, file: string, note: string): LoadPlan => ({
  method: 'POST',
  path: '/token/introspection',
  headers: { 'content-type': FORM, authorization: basicAuth(ctx.tessera.fixtures.resourceServer) },
  rotate: { file, into: 'body', template: 'token={}' },
  note,
});

export const introspectionPatRat: TesseraOnlyScenario = {
  kind: 'tessera-only',
  id: 'introspection-pat-rat',
  number: 4,
  title: 'introspection of a PAT, and of a RAT (effective scope recomputed)',
  async run(ctx) {
    const { tessera } = ctx;
    const { target, fixtures } = tessera;
    const count = ctx.options.introspectionTokens;
    ctx.log(`  issuing ${count} opaque tokens, creating ${count} PATs and ${count} RATs…`);
    const opaque = await mintTokens(
      target.url,
      fixtures.service,
      { resource: OPAQUE_API, scope: OPAQUE_SCOPE },
      count,
    );
    const pats = await createAccessTokens(tessera, 'personal', count);
    const rats = await createAccessTokens(tessera, 'resource', count);

    // Both kinds must come back active, with the effective scope and the RAT's role: a fixture
    // that introspects as inactive would be measured as a fast 200.
    const pat = await introspectActive(target.url, fixtures.resourceServer, pats[0] as string);
    const rat = await introspectActive(target.url, fixtures.resourceServer, rats[0] as string);
    for (const [kind, answer] of [
      ['PAT', pat],
      ['RAT', rat],
    ] as const) {
      // The effective scope also lists what they imply (read-write → read-only).
      const scope = new Set(String(answer.scope ?? '').split(' '));
      if (!TOKEN_SCOPES.every((wanted) => scope.has(wanted)))
        throw new Error(
          `${kind} introspects with scope "${String(answer.scope)}", not ${TOKEN_SCOPES.join(' ')}`,
        );
    }
    if (rat.role !== RAT_ROLE) throw new Error(`the RAT introspects with role ${String(rat.role)}`);

    const files = {
      opaque: ctx.valuesFile('pat-rat-opaque', opaque),
      pats: ctx.valuesFile('pat-rat-pats', pats),
      rats: ctx.valuesFile('pat-rat-rats', rats),
    };
    const rows = await interleavedRows(ctx, 'introspection-pat-rat', [
      {
        label: 'introspection, opaque (reference)',
        target,
        plan: () => introspect(ctx, files.opaque, `${count} opaque tokens, random per request`),
      },
      {
        label: 'introspection, PAT',
        target,
        plan: () => introspect(ctx, files.pats, `${count} PATs of a maintainer, random per request`),
      },
      {
        label: 'introspection, RAT',
        target,
        plan: () => introspect(ctx, files.rats, `${count} ${RAT_ROLE} RATs on groups/42, random per request`),
      },
    ]);
    const [opaqueRow, patRow, ratRow] = rows as [(typeof rows)[0], (typeof rows)[0], (typeof rows)[0]];
    const patRatio = rateRatio(patRow, opaqueRow);
    const ratRatio = rateRatio(ratRow, opaqueRow);
    const cpu = (row: typeof patRow) =>
      row.summary.serverCpuMsPerRequest / opaqueRow.summary.serverCpuMsPerRequest;
    return {
      rows,
      figures: {
        patOverOpaque: Math.round(patRatio * 1000) / 1000,
        ratOverOpaque: Math.round(ratRatio * 1000) / 1000,
        patCpuPerRequestOverOpaque: Math.round(cpu(patRow) * 1000) / 1000,
        ratCpuPerRequestOverOpaque: Math.round(cpu(ratRow) * 1000) / 1000,
      },
      checks: [
        check('introspection-pat-rat', '4 PAT introspection req/s vs opaque', patRatio, 'at-least', 0.9, '×'),
        check('introspection-pat-rat', '4 RAT introspection req/s vs opaque', ratRatio, 'at-least', 0.9, '×'),
      ],
      notes: [
        `vs opaque introspection in the same run: PAT ${patRatio.toFixed(2)}× req/s, ${cpu(patRow).toFixed(2)}× CPU/req; RAT ${ratRatio.toFixed(2)}× req/s, ${cpu(ratRow).toFixed(2)}× CPU/req`,
      ],
    };
  },
};
