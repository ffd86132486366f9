import { mintTokens } from '../lib/mint.ts';
import { basicAuth, OPAQUE_API, OPAQUE_SCOPE } from '../lib/targets.ts';
import { FORM } from './client-credentials.ts';
import type { ComparedScenario } from './scenario.ts';

/**
 * Scenario 3: the opaque API's resource server introspects tokens of that API. Before every run
 * each target issues a fresh set of real tokens, and every request picks one at random — so more
 * than one hot entry is measured. The set is capped well under the baseline's in-memory adapter
 * (an LRU of 1000 entries that scenario 2 churns), so neither side answers from a miss.
 */
export const introspectionOpaque: ComparedScenario = {
  kind: 'compared',
  id: 'introspection-opaque',
  number: 3,
  title: 'introspection of an opaque token by its resource server',
  pinnedTarget: 2.0,
  async plan(ctx, target, fixtures) {
    const count = ctx.options.introspectionTokens;
    const tokens = await mintTokens(
      target.url,
      fixtures.service,
      { resource: OPAQUE_API, scope: OPAQUE_SCOPE },
      count,
    );
    return {
      method: 'POST',
      path: '/token/introspection',
      headers: { 'content-type': FORM, authorization: basicAuth(fixtures.resourceServer) },
      rotate: {
        file: ctx.valuesFile(`${target.name}-introspection`, tokens),
        into: 'body',
        template: 'token={}',
      },
      note: `${count} live tokens, one at random per request`,
    };
  },
};
