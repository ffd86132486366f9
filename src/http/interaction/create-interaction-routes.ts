import { Router } from '@koa/router';
import type { Context, Middleware } from 'koa';
import type { Provider } from 'oidc-provider';
import type { PepperHash } from '../../crypto/pepper-hash.ts';
import { AppError } from '../../errors.ts';
import type { SignIn } from '../../domain/users/sign-in.ts';
import type { Logger } from '../../logging/create-logger.ts';
import { originOf, setPageHeaders } from '../web/page-headers.ts';
import { readFormBody } from '../web/read-form-body.ts';
import { consentPage, messagePage, signInPage } from './interaction-pages.ts';

/**
 * Tessera's own interaction pages (oidc-provider's development pages are disabled): sign-in with
 * username and password, consent for clients that are not first-party, and cancel. Every form
 * carries a CSRF token bound to the interaction; the interaction itself is found through the
 * provider's `_interaction` cookie, and must be the one the URL names.
 */
export type InteractionDeps = {
  provider: () => Provider;
  signIn: SignIn;
  /** HMAC for CSRF tokens. */
  csrf: PepperHash;
  logger: Logger;
  /** An API's display name by its identifier, for the consent page; undefined when unknown. */
  apiName?: (identifier: string) => Promise<string | undefined>;
  /** Records what a person allowed, so they can list and revoke it (domain/authorizations). */
  recordAuthorization?: (authorization: {
    accountId: string;
    clientId: string;
    grantId: string;
    resources: string[];
    scopes: string[];
  }) => Promise<void>;
};

type Details = Awaited<ReturnType<Provider['interactionDetails']>>;

const WRONG_CREDENTIALS = 'Wrong username or password.';
const EXPIRED = {
  title: 'This sign-in has expired',
  message:
    'The sign-in request is no longer valid: it took too long, or it was already used. Go back to the application and start again.',
  link: { href: '/console', label: 'Go to the console' },
};

const csrfBinding = (uid: string) => `interaction:${uid}`;

const minutes = (seconds: number) => Math.max(1, Math.ceil(seconds / 60));

export const createInteractionRoutes = (deps: InteractionDeps): Middleware => {
  const router = new Router({ prefix: '/interaction' });

  /** The interaction named by the URL, when this browser is the one taking part in it. */
  const load = async (ctx: Context): Promise<Details | undefined> => {
    try {
      const details = await deps.provider().interactionDetails(ctx.req, ctx.res);
      return details.uid === ctx.params.uid ? details : undefined;
    } catch {
      return undefined; // no cookie, or the interaction expired: both mean "start again"
    }
  };

  /** Forms post back here, then the provider redirects to the client: both must be allowed. */
  const headers = (ctx: Context, details: Details | undefined) =>
    setPageHeaders(ctx, {
      formTargets: [originOf(details?.params.redirect_uri)].filter((o) => o !== undefined),
    });

  const expired = (ctx: Context) => {
    headers(ctx, undefined);
    ctx.status = 400;
    ctx.type = 'html';
    ctx.body = messagePage(EXPIRED);
  };

  const clientName = async (details: Details) => {
    const client = await deps.provider().Client.find(String(details.params.client_id));
    return client?.clientName ?? String(details.params.client_id);
  };

  const showPrompt = async (
    ctx: Context,
    details: Details,
    extra: { username?: string; error?: string } = {},
  ) => {
    headers(ctx, details);
    ctx.type = 'html';
    const common = {
      uid: details.uid,
      csrfToken: deps.csrf.digest(csrfBinding(details.uid)),
      clientName: await clientName(details),
    };
    if (details.prompt.name === 'consent') {
      ctx.body = consentPage({ ...common, requests: await requestedAccess(details, deps.apiName) });
      return;
    }
    ctx.body = signInPage({
      ...common,
      username:
        extra.username ??
        (typeof details.params.login_hint === 'string' ? details.params.login_hint : undefined),
      error: extra.error,
    });
  };

  /** A post: the interaction must be ours, the form well formed and its CSRF token right. */
  const posted = async (ctx: Context): Promise<{ details: Details; form: URLSearchParams } | undefined> => {
    const details = await load(ctx);
    if (!details) {
      expired(ctx);
      return undefined;
    }
    let form: URLSearchParams;
    try {
      form = await readFormBody(ctx);
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
      headers(ctx, details);
      ctx.status = error.status;
      ctx.type = 'html';
      ctx.body = messagePage({ title: 'Something is wrong with this form', message: error.message });
      return undefined;
    }
    if (!deps.csrf.matches(csrfBinding(details.uid), form.get('csrf') ?? '')) {
      headers(ctx, details);
      ctx.status = 403;
      ctx.type = 'html';
      ctx.body = messagePage({ ...EXPIRED, title: 'This form has expired' });
      return undefined;
    }
    return { details, form };
  };

  const finish = async (ctx: Context, result: Parameters<Provider['interactionResult']>[2]) => {
    const returnTo = await deps
      .provider()
      .interactionResult(ctx.req, ctx.res, result, { mergeWithLastSubmission: false });
    ctx.status = 303;
    ctx.redirect(returnTo);
  };

  router.get('/:uid', async (ctx) => {
    const details = await load(ctx);
    if (!details) return expired(ctx);
    await showPrompt(ctx, details);
  });

  router.post('/:uid/login', async (ctx) => {
    const input = await posted(ctx);
    if (!input) return;
    const { details, form } = input;
    if (details.prompt.name !== 'login') return showPrompt(ctx, details);
    const username = (form.get('username') ?? '').trim();
    const password = form.get('password') ?? '';
    // A form shown again with its error is a page that worked: 200, as browsers expect of one.
    if (!username || !password) {
      return showPrompt(ctx, details, { username, error: 'Enter your username and password.' });
    }
    const result = await deps.signIn.attempt({ username, password, address: ctx.ip });
    if (result.outcome === 'throttled') {
      deps.logger.warn({ address: ctx.ip }, 'sign-in throttled');
      ctx.status = 429;
      ctx.set('Retry-After', String(result.retryAfterSeconds));
      return showPrompt(ctx, details, {
        username,
        error: `Too many sign-in attempts. Wait ${minutes(result.retryAfterSeconds)} minutes and try again.`,
      });
    }
    if (result.outcome === 'wrong-credentials') {
      return showPrompt(ctx, details, { username, error: WRONG_CREDENTIALS });
    }
    // remember: false keeps the provider's session cookie for this browser session only.
    await finish(ctx, { login: { accountId: result.user.id, remember: false, amr: ['pwd'] } });
  });

  router.post('/:uid/confirm', async (ctx) => {
    const input = await posted(ctx);
    if (!input) return;
    const { details } = input;
    if (details.prompt.name !== 'consent' || !details.session?.accountId) return showPrompt(ctx, details);
    const provider = deps.provider();
    const grant = details.grantId
      ? await provider.Grant.find(details.grantId)
      : new provider.Grant({
          accountId: details.session.accountId,
          clientId: String(details.params.client_id),
        });
    if (!grant) return expired(ctx);
    const missing = details.prompt.details as {
      missingOIDCScope?: string[];
      missingOIDCClaims?: string[];
      missingResourceScopes?: Record<string, string[]>;
    };
    if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
    if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
    for (const [indicator, scopes] of Object.entries(missing.missingResourceScopes ?? {})) {
      grant.addResourceScope(indicator, scopes.join(' '));
    }
    const grantId = await grant.save();
    // Durable before the application gets its code: the person can always see and revoke it.
    const resources = Object.keys(grant.resources ?? {});
    await deps.recordAuthorization?.({
      accountId: details.session.accountId,
      clientId: String(details.params.client_id),
      grantId,
      resources,
      scopes: [
        ...new Set([
          ...String(grant.openid?.scope ?? '').split(' '),
          ...resources.flatMap((indicator) => String(grant.resources?.[indicator] ?? '').split(' ')),
        ]),
      ].filter((scope) => scope !== ''),
    });
    await finish(ctx, { consent: { grantId } });
  });

  router.post('/:uid/abort', async (ctx) => {
    const input = await posted(ctx);
    if (!input) return;
    await finish(ctx, { error: 'access_denied', error_description: 'The user cancelled the request.' });
  });

  return router.routes() as Middleware;
};

/**
 * What a consent page lists: the identity scopes, then each API's scopes under its name (and its
 * identifier, which is what the token will be for).
 */
const requestedAccess = async (
  details: Details,
  apiName: InteractionDeps['apiName'],
): Promise<{ audience: string; scopes: string[] }[]> => {
  const missing = details.prompt.details as {
    missingOIDCScope?: string[];
    missingResourceScopes?: Record<string, string[]>;
  };
  const requests: { audience: string; scopes: string[] }[] = [];
  const identity = (missing.missingOIDCScope ?? []).filter((scope) => scope !== 'openid');
  if (identity.length > 0 || missing.missingOIDCScope?.includes('openid')) {
    requests.push({ audience: 'Your identity', scopes: missing.missingOIDCScope ?? [] });
  }
  for (const [indicator, scopes] of Object.entries(missing.missingResourceScopes ?? {})) {
    const name = await apiName?.(indicator);
    requests.push({ audience: name ? `${name} (${indicator})` : indicator, scopes });
  }
  return requests;
};
