import type { CachedLookup } from '../../cache/cached-lookup.ts';
import type { ProviderPages } from '../../oidc/configuration/end-user-flows.ts';
import type { Client } from '../../domain/clients/client.ts';
import { originOf, setPageHeaders } from '../web/page-headers.ts';
import { logoutPage, messagePage, signedOutPage } from './interaction-pages.ts';

/**
 * The pages oidc-provider renders itself (RP-initiated logout), in Tessera's look. A sign-out the
 * console asked for (its own ID token as the hint, so no other site can ask for it) goes through
 * without a second click when scripts run.
 */
export const createProviderPages = (deps: { clients: CachedLookup<Client> }): ProviderPages => ({
  async logout(ctx, form) {
    const client = ctx.oidc.client;
    const firstParty = client ? (await deps.clients.get(client.clientId))?.firstParty === true : false;
    const hinted = typeof ctx.oidc.params?.id_token_hint === 'string';
    setPageHeaders(ctx, {
      formTargets: [originOf(ctx.oidc.params?.post_logout_redirect_uri)].filter(
        (origin) => origin !== undefined,
      ),
    });
    ctx.type = 'html';
    ctx.body = logoutPage({ form, autoSubmit: firstParty && hinted });
  },
  async error(ctx, out) {
    setPageHeaders(ctx);
    ctx.type = 'html';
    ctx.body = messagePage({
      title: 'This request cannot go on',
      message: `The application sent a request Tessera cannot accept (${out.error}${
        out.error_description ? `: ${out.error_description}` : ''
      }). Go back to the application and try again.`,
    });
  },
  async signedOut(ctx) {
    setPageHeaders(ctx);
    ctx.type = 'html';
    ctx.body = signedOutPage();
  },
});
