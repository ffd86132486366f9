import type { Context } from 'koa';
import type { Policy } from '../../domain/permissions/policy.ts';
import type { Html } from '../web/html.ts';
import type { ConsoleSection } from '../web/page-layout.ts';
import type { ConsoleSession, ConsoleSessions } from './console-sessions.ts';
import type { ManagementApi } from './management-api-client.ts';

/**
 * What every console page handler is given: the signed-in session, the management API as that
 * user, and the helpers that render a page or read a posted form (CSRF checked).
 */
export type SignedIn = {
  session: ConsoleSession;
  api: ManagementApi;
  csrfToken: string;
};

export type ConsoleKit = {
  policy: Policy;
  maxLifetimeDays: number | undefined;
  /** Active tokens expiring within this many days are marked and offer Rotate (the first expiry notice). */
  expiringSoonDays: number;
  sessions: ConsoleSessions;
  now: () => Date;
  /** The signed-in user, or undefined after sending the browser to sign in (and back here). */
  signedIn(ctx: Context): Promise<SignedIn | undefined>;
  /** A posted form with a valid CSRF token, or undefined after answering the request. */
  readPost(ctx: Context, user: SignedIn): Promise<URLSearchParams | undefined>;
  render(
    ctx: Context,
    user: SignedIn,
    page: { title: string; main: Html; section: ConsoleSection | undefined; status?: number },
  ): void;
  /** Redirect after a post (303), so a reload never posts again. */
  seeOther(ctx: Context, path: string): void;
};
