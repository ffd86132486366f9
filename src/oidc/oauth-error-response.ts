import type { Context, Next } from 'koa';
import { type AppError, classifyError, publicMessage } from '../errors.ts';

/**
 * The RFC 6749 §5.2 renderer: how the OAuth endpoints answer an error that Tessera raises itself,
 * outside oidc-provider's own routes (which answer theirs the library's way), as
 * `{"error", "error_description"}` JSON. (/v1 and Tessera's other routes answer RFC 9457 problems:
 * http/problems/problem-response.ts.)
 */
export type OAuthErrorBody = { error: string; error_description: string };
export type RenderedOAuthError = { status: number; headers: Record<string, string>; body: OAuthErrorBody };

/** The RFC 6749 error name of an AppError, by its status: the code → status table stays the only one. */
const oauthErrorName = (error: AppError): string => {
  if (error.status === 503) return 'temporarily_unavailable';
  if (error.status >= 500) return 'server_error';
  // RFC 6749 §5.2: a client that did not, or could not, authenticate.
  if (error.status === 401) return 'invalid_client';
  return 'invalid_request';
};

export const toOAuthError = (thrown: unknown): RenderedOAuthError => {
  const error = classifyError(thrown);
  const headers: Record<string, string> = { ...error.headers };
  if (error.retryAfterSeconds !== undefined) headers['Retry-After'] = String(error.retryAfterSeconds);
  return {
    status: error.status,
    headers,
    body: { error: oauthErrorName(error), error_description: publicMessage(error) },
  };
};

/** Answers with the RFC 6749 error for `error`, with the library's `Cache-Control` for these endpoints. */
export const sendOAuthError = (ctx: Context, error: unknown): void => {
  const { status, headers, body } = toOAuthError(error);
  ctx.status = status;
  ctx.set(headers);
  ctx.set('Cache-Control', 'no-store');
  ctx.type = 'json';
  ctx.body = body;
};

/** Where the provider's `server_error` listener leaves a store failure for oauthErrorBoundary. */
const STORE_FAILURE = Symbol('store failure');

/**
 * The library answers any error thrown inside its routes (a token store that did not answer while
 * it saved a token) as a 500 `server_error` and then emits `server_error`. Its listener calls this:
 * a store outage is noted on the context, and oauthErrorBoundary turns the answer into a 503
 * `temporarily_unavailable` with Retry-After. Returns false for any other error.
 */
export const noteStoreFailure = (ctx: Context, error: unknown): boolean => {
  if (classifyError(error).code !== 'storage_unavailable') return false;
  (ctx.state as Record<symbol, unknown>)[STORE_FAILURE] = error;
  return true;
};

/**
 * Around the provider, first of Tessera's middleware: what escapes Tessera's own middleware there
 * (a store that is down while a PAT is introspected, a bug) is an OAuth JSON error, never the bare
 * text koa would answer; a store outage the library answered as a 500 becomes a 503 (see
 * noteStoreFailure). Server errors go to `onServerError` with their cause; the answer names none.
 */
export const oauthErrorBoundary =
  <C extends Context>(onServerError: (error: unknown, ctx: C) => void) =>
  async (ctx: C, next: Next): Promise<void> => {
    try {
      await next();
    } catch (error) {
      const { status } = classifyError(error);
      if (status >= 500 && status !== 503) onServerError(error, ctx);
      sendOAuthError(ctx, error);
      return;
    }
    const failure = (ctx.state as Record<symbol, unknown>)[STORE_FAILURE];
    if (failure === undefined) return;
    if (ctx.response.is('html')) {
      // A person's error page stays a page; it only gets the status and the retry hint.
      const { status, headers } = toOAuthError(failure);
      ctx.status = status;
      ctx.set(headers);
    } else {
      sendOAuthError(ctx, failure);
    }
  };
