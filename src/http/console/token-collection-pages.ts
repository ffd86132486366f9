import type { Router } from '@koa/router';
import type { Context } from 'koa';
import { type Html, html } from '../web/html.ts';
import type { ConsoleSection } from '../web/page-layout.ts';
import type { ConsoleKit, SignedIn } from './console-kit.ts';
import type { NewTokenNotice } from './console-sessions.ts';
import { apiFailureView } from './api-failure-view.ts';
import { deleteTokenPage } from './delete-token-page.ts';
import type { ApiReply } from './management-api-client.ts';
import {
  formErrorsFromProblem,
  readTokenForm,
  type TokenFormErrors,
  type TokenFormValues,
  tokenRequestBody,
} from './token-form.ts';
import {
  confirmation,
  type ExpiringSoon,
  newTokenNotice,
  STATES,
  type StateFilter,
  stateFilters,
  type TokenJson,
  tokenTable,
} from './token-list-view.ts';

/**
 * What the personal token pages and a resource's token pages share: a collection of tokens with
 * its page (the Add form, the one-time token, the list), the create post, and the delete page and
 * post. Each collection says where it lives and how its page looks; the flows are written once.
 */
export type TokenPage = { data: TokenJson[]; next_cursor: string | null };

/** The Add form as the page should show it: fresh, or as posted with what is wrong with it. */
export type TokenFormState = { values?: TokenFormValues; errors: TokenFormErrors; status?: number };

export type TokenCollection = {
  /** The koa route of the collection's page (`/console/tokens`, `/console/resources/:type/:id/access-tokens`). */
  route: string;
  section: ConsoleSection;
  /** RATs are created with a role, and deleting one removes its bot. */
  kind: 'personal' | 'resource';
  /** The page's path and the management API's path of the tokens, from the route's parameters. */
  pagePath(params: Record<string, string | undefined>): string;
  apiPath(params: Record<string, string | undefined>): string;
  /** Renders the collection's page with the Add form in `form`. */
  show(ctx: Context, user: SignedIn, form: TokenFormState): Promise<void>;
};

/** The state filter and page cursor the list was asked for. */
export const listQuery = (ctx: Context): { state: StateFilter; cursor: string | undefined } => ({
  state: (STATES as readonly unknown[]).includes(ctx.query.state)
    ? (ctx.query.state as StateFilter)
    : 'active',
  cursor: typeof ctx.query.cursor === 'string' ? ctx.query.cursor : undefined,
});

/**
 * The one-time token just created on this page, and the notice of a deletion: shown once, so the
 * session forgets them before the page is sent (a token created on another page waits for it).
 */
export const takeMessages = async (
  kit: ConsoleKit,
  user: SignedIn,
  pagePath: string,
): Promise<{ newToken: NewTokenNotice | undefined; notice: string | undefined }> => {
  const { newToken, notice } = user.session;
  const ours = newToken?.where === pagePath ? newToken : undefined;
  if (ours || notice) {
    user.session.newToken = ours ? undefined : newToken;
    user.session.notice = undefined;
    await kit.sessions.save(user.session);
  }
  return { newToken: ours, notice };
};

export const messagesView = (messages: Awaited<ReturnType<typeof takeMessages>>): Html =>
  html`${messages.newToken ? newTokenNotice(messages.newToken) : ''} ${confirmation(messages.notice)}`;

/**
 * The list under its heading: state filters, the table, and the link to the next page — or, when
 * the management API refused the list (a cursor from elsewhere), what it said and the first page.
 */
export const tokenListView = (options: {
  pagePath: string;
  state: StateFilter;
  list: ApiReply<TokenPage>;
  caption: string;
  resourceTokens: boolean;
  /** What an empty list of active tokens says. */
  noActiveTokens: string;
  expiringSoon?: ExpiringSoon | undefined;
}): Html => {
  const { pagePath, state, list } = options;
  const heading = state === 'active' ? 'Active access tokens' : 'Access tokens';
  const firstPage = `${pagePath}?state=${state}`;
  if (!list.ok) {
    return html`<h2 id="token-list-title">${heading}</h2>
      ${stateFilters(pagePath, state)}
      ${apiFailureView({
        title: 'The tokens could not be listed',
        problem: list.problem,
        back: { href: firstPage, label: 'Show the first page' },
      })}`;
  }
  const page = list.body;
  return html`<h2 id="token-list-title">${heading}</h2>
    ${stateFilters(pagePath, state)}
    ${tokenTable({
      tokens: page.data,
      caption: options.caption,
      deleteBase: pagePath,
      resourceTokens: options.resourceTokens,
      emptyText: state === 'active' ? options.noActiveTokens : `No ${state} tokens.`,
      expiringSoon: options.expiringSoon,
    })}
    ${page.next_cursor ? html`<p class="pager"><a href="${firstPage}&amp;cursor=${encodeURIComponent(page.next_cursor)}">Next page</a></p>` : ''}`;
};

/** The page's status: the form's, else the failed list's (a refused cursor is the request's fault). */
export const pageStatus = (form: TokenFormState, ...replies: ApiReply<unknown>[]): number | undefined =>
  form.status ?? replies.find((reply) => !reply.ok)?.status;

/** The collection's routes: its page, create, and a token's rotate, delete page and delete. */
export const registerTokenCollection = (
  router: Router,
  kit: ConsoleKit,
  collection: TokenCollection,
): void => {
  const tokenPath = (ctx: Context) =>
    `${collection.apiPath(ctx.params)}/${encodeURIComponent(ctx.params.tokenId ?? '')}`;

  router.get(collection.route, async (ctx) => {
    const user = await kit.signedIn(ctx);
    if (user) await collection.show(ctx, user, { errors: {} });
  });

  router.post(collection.route, async (ctx) => {
    const user = await kit.signedIn(ctx);
    const form = user && (await kit.readPost(ctx, user));
    if (!user || !form) return;
    const values = readTokenForm(form);
    const request = tokenRequestBody(values, {
      withRole: collection.kind === 'resource',
      neverAllowed: kit.maxLifetimeDays === undefined,
    });
    if ('errors' in request) return collection.show(ctx, user, { values, errors: request.errors });
    const created = await user.api.post<{ id: string; name: string; token: string }>(
      collection.apiPath(ctx.params),
      request.body,
    );
    if (!created.ok) {
      return collection.show(ctx, user, { values, errors: formErrorsFromProblem(created.problem) });
    }
    const pagePath = collection.pagePath(ctx.params);
    const { id, name, token } = created.body;
    user.session.newToken = { id, name, token, where: pagePath };
    await kit.sessions.save(user.session);
    kit.seeOther(ctx, pagePath);
  });

  router.get(`${collection.route}/:tokenId/delete`, async (ctx) => {
    const user = await kit.signedIn(ctx);
    if (!user) return;
    const pagePath = collection.pagePath(ctx.params);
    const token = await user.api.get<TokenJson>(tokenPath(ctx));
    if (!token.ok || token.body.state !== 'active') return kit.seeOther(ctx, pagePath);
    kit.render(ctx, user, {
      title: `Delete ${token.body.name}`,
      section: collection.section,
      main: deleteTokenPage({
        token: token.body,
        action: `${pagePath}/${token.body.id}/delete`,
        back: pagePath,
        csrfToken: user.csrfToken,
      }),
    });
  });

  // Rotate: a new string for the same token (name, scopes, expiry stay), shown once like a new one.
  router.post(`${collection.route}/:tokenId/rotate`, async (ctx) => {
    const user = await kit.signedIn(ctx);
    const form = user && (await kit.readPost(ctx, user));
    if (!user || !form) return;
    const pagePath = collection.pagePath(ctx.params);
    const rotated = await user.api.post<{ id: string; name: string; token: string }>(
      `${tokenPath(ctx)}/rotate`,
      {},
    );
    if (rotated.ok) {
      const { id, name, token } = rotated.body;
      user.session.newToken = { id, name, token, where: pagePath };
    } else {
      user.session.notice = 'That token could not be rotated: it is no longer active.';
    }
    await kit.sessions.save(user.session);
    kit.seeOther(ctx, pagePath);
  });

  router.post(`${collection.route}/:tokenId/delete`, async (ctx) => {
    const user = await kit.signedIn(ctx);
    const form = user && (await kit.readPost(ctx, user));
    if (!user || !form) return;
    const revoked = await user.api.delete<TokenJson>(tokenPath(ctx));
    const consequence = collection.kind === 'resource' ? 'was deleted and its bot removed' : 'was deleted';
    user.session.notice = revoked.ok
      ? `The token “${revoked.body.name}” ${consequence}: it no longer works.`
      : 'That token was already gone.';
    await kit.sessions.save(user.session);
    kit.seeOther(ctx, collection.pagePath(ctx.params));
  });
};
