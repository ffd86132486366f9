import { createAccessTokens } from '../lib/access-token-fixtures.ts';
import { interleavedRows } from '../lib/interleave.ts';
import { basicAuth, cli, type Credentials, JWT_API } from '../lib/targets.ts';
import { FORM } from './client-credentials.ts';
import type { TesseraOnlyScenario } from './scenario.ts';

/**
 * Scenario 5: RFC 8693 token exchange, a PAT for a short-lived JWT (ES256) for the JWT API. Every
 * request resolves the PAT (Redis entry, effective scope), signs a JWT and answers it; the bare
 * library has no equivalent, so there is no baseline and no target — the figure is reported.
 * A client registered for the grant exchanges PATs of the maintainer, one at random per request.
 */
export const TOKEN_EXCHANGE_GRANT = 'urn:ietf:params:oauth:grant-type:token-exchange';
const ACCESS_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:access_token';
const PLACEHOLDER = 'SUBJECT_TOKEN';

export const tokenExchange: TesseraOnlyScenario = {
  kind: 'tessera-only',
  id: 'token-exchange',
  number: 5,
  title: 'token exchange PAT → JWT',
  async run(ctx) {
    const { tessera } = ctx;
    const created = await cli<{ client_id: string; client_secret: string }>(tessera.env, [
      'clients',
      'create',
      '--name',
      'bench-token-exchange',
      '--grant-types',
      TOKEN_EXCHANGE_GRANT,
      '--resources',
      JWT_API,
    ]);
    const client: Credentials = { clientId: created.client_id, clientSecret: created.client_secret };
    const count = ctx.options.introspectionTokens;
    ctx.log(`  creating ${count} PATs to exchange…`);
    const pats = await createAccessTokens(tessera, 'personal', count);

    // PATs are base62 with underscores: nothing in them needs form encoding.
    const template = new URLSearchParams({
      grant_type: TOKEN_EXCHANGE_GRANT,
      subject_token: PLACEHOLDER,
      subject_token_type: ACCESS_TOKEN_TYPE,
      resource: JWT_API,
    })
      .toString()
      .replace(PLACEHOLDER, '{}');
    const headers = { 'content-type': FORM, authorization: basicAuth(client) };

    // One exchange up front: the load only counts statuses, so the fixture must be right.
    const response = await fetch(`${tessera.target.url}/token`, {
      method: 'POST',
      headers,
      body: template.replace('{}', pats[0] as string),
    });
    const answer = (await response.json()) as { access_token?: string; issued_token_type?: string };
    if (!response.ok || answer.access_token?.split('.').length !== 3)
      throw new Error(`token exchange answered ${response.status}: ${JSON.stringify(answer)}`);

    const file = ctx.valuesFile('token-exchange-pats', pats);
    const rows = await interleavedRows(ctx, 'token-exchange', [
      {
        label: 'token exchange PAT → JWT (ES256)',
        target: tessera.target,
        plan: () => ({
          method: 'POST',
          path: '/token',
          headers,
          rotate: { file, into: 'body', template },
          note: `${count} PATs, one at random per request, resource ${JWT_API}`,
        }),
      },
    ]);
    return {
      rows,
      figures: {},
      checks: [],
      notes: ['no baseline: the bare library has no token exchange; reported, no target'],
    };
  },
};
