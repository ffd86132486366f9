import { createHash } from 'node:crypto';
import { createLocalJWKSet, type JSONWebKeySet, jwtVerify } from 'jose';
import { randomToken } from '../../crypto/random.ts';
import type { SealedBox } from '../../crypto/sealed-box.ts';
import { AppError } from '../../errors.ts';
import { MANAGEMENT_API } from '../../domain/api-resources/management-api.ts';
import {
  CONSOLE_CLIENT_ID,
  CONSOLE_SCOPES,
  consolePostLogoutUri,
  consoleRedirectUri,
} from '../../domain/clients/console-client.ts';
import type { ConsoleTokens } from './console-sessions.ts';

/**
 * The console as an OpenID Connect relying party of Tessera itself: authorization code with PKCE
 * (S256), state and nonce, an ID token verified against Tessera's keys, refresh, revocation and
 * RP-initiated logout. The browser goes to the issuer's public URL; the code exchange and refreshes
 * go to this process over loopback (`selfUrl`), which works behind any proxy.
 */
export type PendingSignIn = { state: string; nonce: string; verifier: string; returnTo: string };

const signInFailed = (message: string, cause?: unknown) => new AppError('sign_in_failed', message, { cause });

type TokenResponse = {
  access_token?: string;
  expires_in?: number;
  refresh_token?: string;
  id_token?: string;
  error?: string;
  error_description?: string;
};

export type ConsoleSignIn = ReturnType<typeof createConsoleSignIn>;

export const createConsoleSignIn = (deps: {
  issuer: string;
  /** Where this process listens, for server-to-server calls. */
  selfUrl: () => string;
  /** Tessera's public keys now, to verify ID tokens. */
  publicJwks: () => JSONWebKeySet;
  /** Seals the pending sign-in into its cookie. */
  box: SealedBox;
  now?: () => number;
}) => {
  const now = deps.now ?? (() => Math.floor(Date.now() / 1000));
  const redirectUri = consoleRedirectUri(deps.issuer);

  const tokenEndpoint = async (form: Record<string, string>): Promise<TokenResponse & { status: number }> => {
    const response = await fetch(`${deps.selfUrl()}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: new URLSearchParams({ client_id: CONSOLE_CLIENT_ID, ...form }),
    });
    return { status: response.status, ...((await response.json()) as TokenResponse) };
  };

  const tokensFrom = (reply: TokenResponse, previous?: ConsoleTokens): ConsoleTokens => {
    if (!reply.access_token || typeof reply.expires_in !== 'number') {
      throw signInFailed(`the token endpoint answered ${reply.error ?? 'without an access token'}`);
    }
    return {
      accessToken: reply.access_token,
      accessTokenExpiresAt: now() + reply.expires_in,
      refreshToken: reply.refresh_token ?? previous?.refreshToken,
      idToken: reply.id_token ?? previous?.idToken,
    };
  };

  return {
    /** A new sign-in: the URL to send the browser to, and what the callback must find in its cookie. */
    begin(returnTo: string): { url: string; pending: PendingSignIn } {
      const pending = { state: randomToken(24), nonce: randomToken(24), verifier: randomToken(48), returnTo };
      const url = new URL(`${deps.issuer}/auth`);
      url.search = new URLSearchParams({
        client_id: CONSOLE_CLIENT_ID,
        response_type: 'code',
        redirect_uri: redirectUri,
        scope: ['openid', ...CONSOLE_SCOPES].join(' '),
        resource: MANAGEMENT_API,
        state: pending.state,
        nonce: pending.nonce,
        code_challenge: createHash('sha256').update(pending.verifier).digest('base64url'),
        code_challenge_method: 'S256',
      }).toString();
      return { url: url.toString(), pending };
    },

    seal: (pending: PendingSignIn): string => deps.box.seal(JSON.stringify(pending)),
    unseal(sealed: string | undefined): PendingSignIn | undefined {
      const opened = sealed ? deps.box.open(sealed) : undefined;
      return opened ? (JSON.parse(opened) as PendingSignIn) : undefined;
    },

    /** The callback: checks state and issuer, redeems the code, verifies the ID token. */
    async complete(
      pending: PendingSignIn,
      query: Record<string, unknown>,
    ): Promise<{ userId: string; tokens: ConsoleTokens }> {
      if (query.state !== pending.state)
        throw signInFailed('the sign-in response does not match this browser');
      // RFC 9207: the response names its issuer; a response from another one is a mix-up attack.
      if (query.iss !== undefined && query.iss !== deps.issuer)
        throw signInFailed('the sign-in response came from another issuer');
      if (typeof query.error === 'string') throw signInFailed(query.error);
      if (typeof query.code !== 'string') throw signInFailed('the sign-in response carries no code');
      const reply = await tokenEndpoint({
        grant_type: 'authorization_code',
        code: query.code,
        redirect_uri: redirectUri,
        code_verifier: pending.verifier,
        resource: MANAGEMENT_API,
      });
      const tokens = tokensFrom(reply);
      if (!tokens.idToken) throw signInFailed('the token endpoint answered without an ID token');
      try {
        const { payload } = await jwtVerify(tokens.idToken, createLocalJWKSet(deps.publicJwks()), {
          issuer: deps.issuer,
          audience: CONSOLE_CLIENT_ID,
          currentDate: new Date(now() * 1000),
        });
        if (payload.nonce !== pending.nonce || typeof payload.sub !== 'string')
          throw new Error('nonce or sub');
        return { userId: payload.sub, tokens };
      } catch (error) {
        throw signInFailed('the ID token did not verify', error);
      }
    },

    /** New tokens from the refresh token; undefined when the grant is gone (signed out, expired). */
    async refresh(tokens: ConsoleTokens): Promise<ConsoleTokens | undefined> {
      if (!tokens.refreshToken) return undefined;
      const reply = await tokenEndpoint({
        grant_type: 'refresh_token',
        refresh_token: tokens.refreshToken,
        resource: MANAGEMENT_API,
      });
      return reply.status === 200 ? tokensFrom(reply, tokens) : undefined;
    },

    /** Revokes the refresh token (and with it the grant) and the access token; best effort. */
    async revoke(tokens: ConsoleTokens): Promise<void> {
      const revoke = (token: string, hint: string) =>
        fetch(`${deps.selfUrl()}/token/revocation`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({ client_id: CONSOLE_CLIENT_ID, token, token_type_hint: hint }),
        }).then(
          () => undefined,
          () => undefined,
        );
      await Promise.all([
        tokens.refreshToken ? revoke(tokens.refreshToken, 'refresh_token') : undefined,
        revoke(tokens.accessToken, 'access_token'),
      ]);
    },

    /** RP-initiated logout: ends the browser's Tessera session, then comes back to the console. */
    logoutUrl(idToken: string | undefined): string {
      const url = new URL(`${deps.issuer}/session/end`);
      url.search = new URLSearchParams({
        client_id: CONSOLE_CLIENT_ID,
        post_logout_redirect_uri: consolePostLogoutUri(deps.issuer),
        ...(idToken ? { id_token_hint: idToken } : {}),
      }).toString();
      return url.toString();
    },
  };
};
