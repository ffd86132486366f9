import { Router } from '@koa/router';
import type { Context, Middleware } from 'koa';
import type { JSONWebKeySet } from 'jose';
import type { PepperHash } from '../../crypto/pepper-hash.ts';
import type { SealedBox } from '../../crypto/sealed-box.ts';
import type { Policy } from '../../domain/permissions/policy.ts';
import { AppError, classifyError } from '../../errors.ts';
import type { Logger } from '../../logging/create-logger.ts';
import type { OidcAdapter } from '../../storage/oidc-adapter/contract.ts';
import { messagePage } from '../interaction/interaction-pages.ts';
import { setPageHeaders } from '../web/page-headers.ts';
import { renderPage } from '../web/page-layout.ts';
import { readFormBody } from '../web/read-form-body.ts';
import { createConsoleCookies } from './console-cookies.ts';
import type { ConsoleKit, SignedIn } from './console-kit.ts';
import { createConsoleSessions } from './console-sessions.ts';
import { createConsoleSignIn } from './console-sign-in.ts';
import { createManagementApiClient } from './management-api-client.ts';
import { registerPersonalTokenPages } from './personal-token-pages.ts';
import { registerResourcePages } from './resource-pages.ts';
import { registerWebhookPages } from './webhook-pages.ts';
import { registerApplicationPages } from './application-pages.ts';
import { registerClientPages } from './client-pages.ts';

/**
 * The console at /console: server-rendered pages over the management API, signed in through
 * Tessera's own OpenID Connect flow. Its access and refresh tokens stay on the server, in the
 * session store; the browser holds only a random session id in an HttpOnly cookie. Every form that
 * changes something carries a CSRF token bound to the session.
 */
export type ConsoleDeps = {
  issuer: string;
  /** Where this process listens, for the console's calls to /token and /v1. */
  selfUrl: () => string;
  publicJwks: () => JSONWebKeySet;
  /** The token-store model that keeps console sessions. */
  sessionStore: OidcAdapter;
  sessionBox: SealedBox;
  signInBox: SealedBox;
  csrf: PepperHash;
  policy: Policy;
  maxLifetimeDays: number | undefined;
  /** Tokens expiring within this many days are marked "expires soon" with a Rotate button. */
  expiringSoonDays?: number | undefined;
  logger: Logger;
  now?: () => Date;
};

/** Only paths of the console itself may be returned to after sign-in: never another site. */
const safeReturn = (path: string | undefined) =>
  path && /^\/console(?:[/?#]|$)/.test(path) && !path.includes('\\') && !path.startsWith('//')
    ? path
    : '/console/tokens';

/** After a post, the page the form was on (a post cannot be replayed after signing in again). */
const returnPathOf = (ctx: Context) =>
  ctx.method === 'GET' ? ctx.url : ctx.path.replace(/\/[^/]+\/delete$/, '').replace(/\/sign-out$/, '');

export const createConsole = (deps: ConsoleDeps): Middleware => {
  const now = deps.now ?? (() => new Date());
  const seconds = () => Math.floor(now().getTime() / 1000);
  const cookies = createConsoleCookies({ secure: deps.issuer.startsWith('https:') });
  const sessions = createConsoleSessions({ store: deps.sessionStore, box: deps.sessionBox, now: seconds });
  const signIn = createConsoleSignIn({
    issuer: deps.issuer,
    selfUrl: deps.selfUrl,
    publicJwks: deps.publicJwks,
    box: deps.signInBox,
    now: seconds,
  });
  const apiAs = createManagementApiClient({ selfUrl: deps.selfUrl });
  const csrfBinding = (sessionId: string) => `console:${sessionId}`;

  const message = (ctx: Context, status: number, page: Parameters<typeof messagePage>[0]) => {
    setPageHeaders(ctx);
    ctx.status = status;
    ctx.type = 'html';
    ctx.body = messagePage(page);
  };

  const beginSignIn = (ctx: Context, returnTo: string) => {
    const { url, pending } = signIn.begin(safeReturn(returnTo));
    cookies.setSignIn(ctx, signIn.seal(pending));
    setPageHeaders(ctx);
    ctx.status = ctx.method === 'GET' ? 302 : 303;
    ctx.redirect(url);
  };

  const kit: ConsoleKit = {
    policy: deps.policy,
    maxLifetimeDays: deps.maxLifetimeDays,
    expiringSoonDays: deps.expiringSoonDays ?? 30,
    sessions,
    now,
    async signedIn(ctx) {
      const session = await sessions.find(cookies.session(ctx));
      if (!session) {
        beginSignIn(ctx, returnPathOf(ctx));
        return undefined;
      }
      // A minute of margin: the token must still be good when the API reads it.
      if (session.tokens.accessTokenExpiresAt - seconds() < 60) {
        const refreshed = await signIn.refresh(session.tokens).catch((error: unknown) => {
          deps.logger.warn({ err: error }, 'console token refresh failed');
          return undefined;
        });
        if (!refreshed) {
          await sessions.destroy(session.id);
          beginSignIn(ctx, returnPathOf(ctx));
          return undefined;
        }
        session.tokens = refreshed;
        await sessions.save(session);
      }
      return {
        session,
        api: apiAs(session.tokens.accessToken),
        csrfToken: deps.csrf.digest(csrfBinding(session.id)),
      };
    },
    async readPost(ctx, user) {
      let form: URLSearchParams;
      try {
        form = await readFormBody(ctx);
      } catch (error) {
        if (!(error instanceof AppError)) throw error;
        message(ctx, error.status, { title: 'Something is wrong with this form', message: error.message });
        return undefined;
      }
      if (!deps.csrf.matches(csrfBinding(user.session.id), form.get('csrf') ?? '')) {
        message(ctx, 403, {
          title: 'This form has expired',
          message: 'The page was open for too long or in another session. Reload it and try again.',
          link: { href: returnPathOf(ctx), label: 'Reload the page' },
        });
        return undefined;
      }
      return form;
    },
    render(ctx, user: SignedIn, page) {
      setPageHeaders(ctx);
      ctx.status = page.status ?? 200;
      ctx.type = 'html';
      ctx.body = renderPage({
        title: page.title,
        main: page.main,
        signedIn: {
          username: user.session.username,
          csrfToken: user.csrfToken,
          current: page.section,
          admin: user.session.admin === true,
        },
      });
    },
    seeOther(ctx, path) {
      ctx.status = 303;
      ctx.redirect(path);
    },
  };

  const router = new Router();
  router.get('/console', (ctx) => ctx.redirect('/console/tokens'));

  router.get('/console/callback', async (ctx) => {
    const pending = signIn.unseal(cookies.signIn(ctx));
    cookies.clearSignIn(ctx);
    if (ctx.query.error === 'access_denied') {
      return message(ctx, 200, {
        title: 'Sign-in cancelled',
        message: 'You did not sign in to the console.',
        link: { href: '/console', label: 'Sign in' },
      });
    }
    if (!pending) {
      return message(ctx, 400, {
        title: 'Sign-in could not finish',
        message:
          'This browser has no sign-in in progress here: it took too long, cookies are blocked, or the console was opened at another address than Tessera’s own.',
        // The issuer's address: a console opened under another host name must sign in there.
        link: { href: `${deps.issuer}/console`, label: 'Sign in again' },
      });
    }
    try {
      const { userId, tokens } = await signIn.complete(pending, ctx.query);
      const me = await apiAs(tokens.accessToken).get<{ username: string | null; scopes: string[] }>('/me');
      const previous = cookies.session(ctx);
      if (previous) await sessions.destroy(previous);
      const session = await sessions.create({
        userId,
        username: (me.ok && me.body.username) || userId,
        admin: me.ok && me.body.scopes.includes('admin'),
        tokens,
      });
      cookies.setSession(ctx, session.id);
      ctx.redirect(safeReturn(pending.returnTo));
    } catch (error) {
      const failed =
        error instanceof AppError && (error.code === 'sign_in_failed' || error.code === 'invalid_token');
      if (!failed) throw error;
      deps.logger.warn({ err: error }, 'console sign-in failed');
      message(ctx, 400, {
        title: 'Sign-in failed',
        message: 'Tessera could not complete your sign-in. Try again.',
        link: { href: '/console', label: 'Sign in again' },
      });
    }
  });

  router.post('/console/sign-out', async (ctx) => {
    const session = await sessions.find(cookies.session(ctx));
    if (!session) return kit.seeOther(ctx, '/console/signed-out');
    const user: SignedIn = { session, api: apiAs(session.tokens.accessToken), csrfToken: '' };
    if (!(await kit.readPost(ctx, user))) return;
    await sessions.destroy(session.id);
    cookies.clearSession(ctx);
    await signIn.revoke(session.tokens);
    // RP-initiated logout ends the browser's session at Tessera too, then comes back to /console/signed-out.
    kit.seeOther(ctx, signIn.logoutUrl(session.tokens.idToken));
  });

  router.get('/console/signed-out', (ctx) =>
    message(ctx, 200, {
      title: 'You are signed out',
      message: 'You have signed out of the Tessera console.',
      link: { href: '/console', label: 'Sign in again' },
    }),
  );

  registerPersonalTokenPages(router, kit);
  registerResourcePages(router, kit);
  registerWebhookPages(router, kit);
  registerApplicationPages(router, kit);
  registerClientPages(router, kit);

  const routes = router.routes();
  return async (ctx, next) => {
    if (ctx.path !== '/console' && !ctx.path.startsWith('/console/')) return next();
    try {
      await routes(ctx as Parameters<typeof routes>[0], async () => {
        message(ctx, 404, {
          title: 'Page not found',
          message: 'There is no such page in the console.',
          link: { href: '/console', label: 'Go to the console' },
        });
      });
    } catch (error) {
      const failure = classifyError(error);
      if (failure.code !== 'invalid_token') {
        if (failure.status >= 500) {
          deps.logger.error({ err: error, requestId: ctx.state.requestId }, 'console page failed');
        }
        if (failure.retryAfterSeconds !== undefined)
          ctx.set('Retry-After', String(failure.retryAfterSeconds));
        return message(ctx, failure.status, {
          title: failure.expose ? 'This request cannot be completed' : 'Something went wrong',
          message: failure.expose
            ? failure.message
            : 'Tessera could not complete this page. Try again in a moment; if you were adding or deleting a token, look at the list first.',
          link: { href: '/console', label: 'Back to the console' },
        });
      }
      // The API no longer takes the session's token (revoked, user disabled): sign in again.
      const stale = cookies.session(ctx);
      if (stale) await sessions.destroy(stale);
      cookies.clearSession(ctx);
      beginSignIn(ctx, returnPathOf(ctx));
    }
  };
};
