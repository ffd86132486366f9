import type { KoaContextWithOIDC } from 'oidc-provider';
import type { AccessTokenResolver } from '../../domain/access-tokens/access-token-resolver.ts';
import type { CachedLookup } from '../../cache/cached-lookup.ts';
import type { Client } from '../../domain/clients/client.ts';
import { looksLikeTesseraToken } from '@tessera/verify/token-format';
import { accessTokenViewFor } from '../configuration/token-policies.ts';
import { accessTokenAnswer } from '../introspection-answers.ts';

/**
 * Introspection of personal and resource access tokens, which live in Tessera, not in the
 * library's token store. It answers for resource servers only: clients registered with
 * `--introspects` for an API the token is good for, told only what is meant for those APIs
 * (accessTokenViewFor); for anyone else the token is inactive.
 */
export const introspectPersonalToken = async (
  accessTokens: AccessTokenResolver,
  caller: Client | undefined,
  token: string,
  ip: string,
) => {
  if (!caller || caller.introspects.length === 0) return undefined;
  const resolved = await accessTokens.resolve(token, { ip });
  const view =
    resolved && accessTokenViewFor(resolved.entry.aud, resolved.effectiveScopes, caller.introspects);
  return resolved && view && accessTokenAnswer(resolved, view);
};

/**
 * The same, around the library's introspection: it runs after the library has authenticated the
 * calling client and found nothing (the adapter guard makes that lookup free).
 */
export const createPersonalTokenIntrospection =
  (deps: { accessTokens: AccessTokenResolver; clients: CachedLookup<Client> }) =>
  async (ctx: KoaContextWithOIDC, next: () => Promise<void>): Promise<void> => {
    await next();
    if (ctx.oidc?.route !== 'introspection') return;
    const body = ctx.body as { active?: boolean } | undefined;
    const token = ctx.oidc.params?.token;
    const client = ctx.oidc.client;
    if (body?.active !== false || typeof token !== 'string' || !client || !looksLikeTesseraToken(token))
      return;

    const caller = await deps.clients.get(client.clientId);
    const answer = await introspectPersonalToken(deps.accessTokens, caller, token, ctx.ip);
    if (answer) ctx.body = answer;
  };
