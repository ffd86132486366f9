import { accessTokenFixtures } from '../lib/access-token-fixtures.ts';
import { interleavedRows } from '../lib/interleave.ts';
import type { TesseraOnlyScenario } from './scenario.ts';

/**
 * Scenario 7: `POST /v1/access-tokens` of the management API — authenticate the caller's PAT
 * (tokens:write), validate the body, mint and HMAC a token, insert it and its audit event, write
 * its Redis entry, answer it (shown once). Names are unique among a user's active tokens, so
 * every request carries a fresh one (the load generator's per-request counter). No baseline.
 */
const BODY = {
  name: 'bench-{}',
  scopes: ['tokens:read'],
  expires_in_days: 1,
};

export const managementAccessTokens: TesseraOnlyScenario = {
  kind: 'tessera-only',
  id: 'management-access-tokens',
  number: 7,
  title: 'POST /v1/access-tokens (management API, create + shown once)',
  async run(ctx) {
    const { tessera } = ctx;
    const { adminPat } = await accessTokenFixtures(tessera);
    const headers = { authorization: `Bearer ${adminPat}`, 'content-type': 'application/json' };
    // `{}` is the only brace pair of this template: JSON.stringify writes `{"name"…`, never `{}`.
    const template = JSON.stringify(BODY);

    // One request up front: the load counts statuses only, so it must be a 201.
    const response = await fetch(`${tessera.target.url}/v1/access-tokens`, {
      method: 'POST',
      headers,
      body: template.replace('{}', 'check'),
    });
    const created = (await response.json()) as { token?: string };
    if (response.status !== 201 || !created.token)
      throw new Error(`POST /v1/access-tokens answered ${response.status}: ${JSON.stringify(created)}`);

    const rows = await interleavedRows(ctx, 'management-access-tokens', [
      {
        label: 'POST /v1/access-tokens (PAT with tokens:write)',
        target: tessera.target,
        plan: () => ({
          method: 'POST',
          path: '/v1/access-tokens',
          headers,
          unique: { template },
          note: "an administrator's PAT; a new token name per request",
        }),
      },
    ]);
    const total = (rows[0]?.runs ?? []).reduce((sum, run) => sum + run.requests, 0);
    return {
      rows,
      figures: { tokensCreatedMeasured: total },
      checks: [],
      notes: [
        `${total.toLocaleString('en')} PATs created in the measured windows (plus warm-ups); no baseline, no target`,
      ],
    };
  },
};
