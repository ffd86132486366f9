import type { Context } from 'koa';

/**
 * Headers of every HTML page Tessera serves. The Content-Security-Policy allows nothing from
 * elsewhere and no inline script or style: scripts and styles come from /assets only. Forms may
 * post to this origin, plus the origins a flow legitimately redirects to after a post (a client's
 * redirect URI after sign-in: Chromium applies form-action to the redirects that follow a post).
 */
export const setPageHeaders = (ctx: Context, options: { formTargets?: readonly string[] } = {}): void => {
  const formAction = ["'self'", ...new Set(options.formTargets ?? [])].join(' ');
  ctx.set(
    'Content-Security-Policy',
    [
      "default-src 'none'",
      "script-src 'self'",
      "style-src 'self'",
      "img-src 'self' data:",
      "connect-src 'self'",
      `form-action ${formAction}`,
      "frame-ancestors 'none'",
      "base-uri 'none'",
    ].join('; '),
  );
  ctx.set('X-Content-Type-Options', 'nosniff');
  ctx.set('X-Frame-Options', 'DENY');
  // Interaction and console URLs carry ids that are nobody else's business.
  ctx.set('Referrer-Policy', 'no-referrer');
  ctx.set('Cache-Control', 'no-store');
  ctx.set('Cross-Origin-Opener-Policy', 'same-origin');
};

/** The origin of a URL, for `formTargets`; undefined for anything that does not parse. */
export const originOf = (url: unknown): string | undefined => {
  if (typeof url !== 'string' || !URL.canParse(url)) return undefined;
  const { origin } = new URL(url);
  return origin === 'null' ? undefined : origin;
};
