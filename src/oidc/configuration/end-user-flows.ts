import { type Configuration, interactionPolicy, type KoaContextWithOIDC } from 'oidc-provider';
import type { CachedLookup } from '../../cache/cached-lookup.ts';
import type { Client } from '../../domain/clients/client.ts';

/**
 * How people take part in OAuth flows: who an account is, where sign-in and consent happen
 * (Tessera's own pages under /interaction, served by http/interaction), when consent is skipped,
 * refresh tokens for first-party clients, and the look of the sign-out pages.
 */
export type Accounts = {
  /** An enabled person by id (`sub`); undefined for anyone unknown, disabled or not a person. */
  findActive(id: string): Promise<{ id: string; username: string } | undefined>;
};

/** Pages the provider shows itself, rendered by the HTTP layer so they look like the rest. */
export type ProviderPages = {
  /** "Sign out?": `form` is the provider's own form (with its CSRF secret) the buttons submit. */
  logout(ctx: KoaContextWithOIDC, form: string): Promise<void>;
  /** Shown after sign-out when the client named nowhere to return to. */
  signedOut(ctx: KoaContextWithOIDC): Promise<void>;
  /** An error that cannot go back to the client (unknown client, bad redirect URI…), for a browser. */
  error(ctx: KoaContextWithOIDC, out: { error: string; error_description?: string }): Promise<void>;
};

export type EndUserFlowDeps = {
  accounts: Accounts;
  clients: CachedLookup<Client>;
};

export const INTERACTION_PATH = '/interaction';

/**
 * The library's prompts (login, then consent), with one more reason to ask for a sign-in: the
 * browser's session names an account that `findAccount` no longer finds (disabled or deleted
 * since). The library would go on to consent without an account; this asks who is there instead.
 */
const interactionPrompts = () => {
  const { Check, base } = interactionPolicy;
  const prompts = base();
  prompts
    .get('login')
    ?.checks.add(
      new Check('account_gone', 'the signed-in account is disabled or unknown', (ctx) =>
        ctx.oidc.session?.accountId !== undefined && !ctx.oidc.account
          ? Check.REQUEST_PROMPT
          : Check.NO_NEED_TO_PROMPT,
      ),
    );
  return prompts;
};

export const endUserFlows = (deps: EndUserFlowDeps): Partial<Configuration> => {
  const isFirstParty = async (clientId: string) => (await deps.clients.get(clientId))?.firstParty === true;

  /**
   * The grant a request runs under. A first-party client (the console) is Tessera's own: it gets
   * what it asks for, within what its registration allows, without a consent page. Every other
   * client keeps the library's behaviour: what was consented before, else the consent prompt.
   */
  const loadExistingGrant = async (ctx: KoaContextWithOIDC) => {
    const { oidc } = ctx;
    const client = oidc.client;
    const accountId = oidc.session?.accountId;
    if (!client || !accountId) return undefined;
    const grantId = oidc.result?.consent?.grantId ?? oidc.session.grantIdFor(client.clientId);
    const existing = grantId ? await oidc.provider.Grant.find(grantId) : undefined;
    if (!(await isFirstParty(client.clientId))) return existing;

    const grant = existing ?? new oidc.provider.Grant({ clientId: client.clientId, accountId });
    const requested = oidc.requestParamScopes;
    grant.addOIDCScope([...oidc.requestParamOIDCScopes].join(' '));
    for (const [indicator, server] of Object.entries(oidc.resourceServers ?? {})) {
      const scopes = [...requested].filter((scope) => server.scopes.has(scope));
      if (scopes.length > 0) grant.addResourceScope(indicator, scopes.join(' '));
    }
    await grant.save();
    return grant;
  };

  return {
    findAccount: async (_ctx, sub) => {
      const user = await deps.accounts.findActive(sub);
      return user ? { accountId: user.id, claims: () => ({ sub: user.id }) } : undefined;
    },
    interactions: {
      policy: interactionPrompts(),
      url: (_ctx, interaction) => `${INTERACTION_PATH}/${interaction.uid}`,
    },
    loadExistingGrant,
    // Refresh tokens for every client registered for the refresh_token grant.
    issueRefreshToken: async (_ctx, client) => client.grantTypeAllowed('refresh_token'),
    // Rotated on every use for applications: a refresh token stolen from a browser or a device is
    // found out the first time both the thief and the app use it — the library then revokes the
    // whole grant (lib/actions/grants/refresh_token.js), which the adapters record in Postgres
    // (revocations, kind grant). Not for the console: it keeps its refresh token on the server, out
    // of any browser's reach, and rotation would make two of a user's requests refreshing at once
    // (two tabs, two instances) revoke the whole grant as a replay.
    rotateRefreshToken: async (ctx) => {
      const clientId = ctx.oidc.client?.clientId;
      return clientId !== undefined && !(await isFirstParty(clientId));
    },
  };
};

export const rpInitiatedLogout = (pages: ProviderPages) => ({
  enabled: true,
  logoutSource: async (ctx: KoaContextWithOIDC, form: string) => pages.logout(ctx, form),
  postLogoutSuccessSource: async (ctx: KoaContextWithOIDC) => pages.signedOut(ctx),
});
