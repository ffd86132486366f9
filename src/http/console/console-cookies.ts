import type { Context } from 'koa';

/**
 * The console's two cookies, both HttpOnly, limited to /console, SameSite=Lax (the sign-in
 * redirect back to /console/callback is a top-level navigation from Tessera's own pages) and
 * Secure when the issuer is https:
 * - the session cookie: a random id naming a server-side session, for as long as the browser runs;
 * - the sign-in cookie: the sealed state, nonce and PKCE verifier of a sign-in in progress.
 */
export const SESSION_COOKIE = 'tessera_console';
export const SIGN_IN_COOKIE = 'tessera_console_sign_in';
const SIGN_IN_MAX_AGE_MS = 15 * 60 * 1000;

export type ConsoleCookies = ReturnType<typeof createConsoleCookies>;

export const createConsoleCookies = (options: { secure: boolean }) => {
  const base = {
    httpOnly: true,
    sameSite: 'lax' as const,
    path: '/console',
    secure: options.secure,
    overwrite: true,
  };
  const cookiesOf = (ctx: Context) => {
    // Behind a TLS-terminating proxy that Tessera is not told to trust, koa sees plain HTTP and would
    // refuse a Secure cookie; the issuer being https is what says the browser talks TLS.
    if (options.secure) ctx.cookies.secure = true;
    return ctx.cookies;
  };
  return {
    session: (ctx: Context) => ctx.cookies.get(SESSION_COOKIE),
    setSession: (ctx: Context, id: string) => cookiesOf(ctx).set(SESSION_COOKIE, id, base),
    clearSession: (ctx: Context) => cookiesOf(ctx).set(SESSION_COOKIE, '', { ...base, maxAge: 0 }),
    signIn: (ctx: Context) => ctx.cookies.get(SIGN_IN_COOKIE),
    setSignIn: (ctx: Context, sealed: string) =>
      cookiesOf(ctx).set(SIGN_IN_COOKIE, sealed, { ...base, maxAge: SIGN_IN_MAX_AGE_MS }),
    clearSignIn: (ctx: Context) => cookiesOf(ctx).set(SIGN_IN_COOKIE, '', { ...base, maxAge: 0 }),
  };
};
