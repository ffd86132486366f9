import type { Router } from '@koa/router';
import type { Context } from 'koa';
import { html } from '../web/html.ts';
import type { ConsoleKit, SignedIn } from './console-kit.ts';
import { deleteTokenPage } from './delete-token-page.ts';
import {
  emptyTokenForm,
  formErrorsFromProblem,
  readTokenForm,
  type TokenFormErrors,
  type TokenFormValues,
  tokenRequestBody,
} from './token-form.ts';
import { tokenFormView } from './token-form-view.ts';
import {
  confirmation,
  newTokenNotice,
  STATES,
  type StateFilter,
  stateFilters,
  type TokenJson,
  tokenTable,
} from './token-list-view.ts';

/** Personal access tokens: the list with its filters, the Add form, the one-time token, delete. */
const BASE = '/console/tokens';

type Me = { username: string | null; grantable_scopes: string[] };
type TokenPage = { data: TokenJson[]; next_cursor: string | null };

const stateOf = (value: unknown): StateFilter =>
  (STATES as readonly unknown[]).includes(value) ? (value as StateFilter) : 'active';

export const registerPersonalTokenPages = (router: Router, kit: ConsoleKit): void => {
  const showPage = async (
    ctx: Context,
    user: SignedIn,
    form: { values: TokenFormValues; errors: TokenFormErrors; status?: number },
  ) => {
    const state = stateOf(ctx.query.state);
    const cursor = typeof ctx.query.cursor === 'string' ? ctx.query.cursor : undefined;
    const [me, list] = await Promise.all([
      user.api.get<Me>('/me'),
      user.api.get<TokenPage>('/access-tokens', { state, limit: '50', cursor }),
    ]);
    const { newToken, notice } = user.session;
    if (newToken?.where === BASE || notice) {
      // Shown once: the session forgets it before the page is sent.
      user.session.newToken = newToken?.where === BASE ? undefined : newToken;
      user.session.notice = undefined;
      await kit.sessions.save(user.session);
    }
    const tokens = list.ok ? list.body.data : [];
    const nextCursor = list.ok ? list.body.next_cursor : null;
    kit.render(ctx, user, {
      title: 'Personal access tokens',
      section: 'tokens',
      status: form.status,
      main: html`<div class="page-head">
          <div>
            <h1>Personal access tokens</h1>
            <p class="lead">
              Tokens that act as you, for scripts, CI and the command line. Each carries only the scopes you
              give it.
            </p>
          </div>
        </div>
        ${newToken?.where === BASE ? newTokenNotice(newToken) : ''} ${confirmation(notice)}
        ${tokenFormView({
          action: BASE,
          csrfToken: user.csrfToken,
          values: form.values,
          errors: form.errors,
          policy: kit.policy,
          offered: new Set(me.ok ? me.body.grantable_scopes : []),
          maxLifetimeDays: kit.maxLifetimeDays,
          now: kit.now(),
        })}
        <h2 id="token-list-title">${state === 'active' ? 'Active access tokens' : 'Access tokens'}</h2>
        ${stateFilters(BASE, state)}
        ${tokenTable({
          tokens,
          caption: 'Your personal access tokens',
          deleteBase: BASE,
          resourceTokens: false,
          emptyText:
            state === 'active' ? 'You have no active personal access tokens.' : `No ${state} tokens.`,
        })}
        ${nextCursor ? html`<p class="pager"><a href="${BASE}?state=${state}&amp;cursor=${nextCursor}">Next page</a></p>` : ''}`,
    });
  };

  router.get(BASE, async (ctx) => {
    const user = await kit.signedIn(ctx);
    if (user) await showPage(ctx, user, { values: emptyTokenForm(), errors: {} });
  });

  router.post(BASE, async (ctx) => {
    const user = await kit.signedIn(ctx);
    const form = user && (await kit.readPost(ctx, user));
    if (!user || !form) return;
    const values = readTokenForm(form);
    const request = tokenRequestBody(values, {
      withRole: false,
      neverAllowed: kit.maxLifetimeDays === undefined,
    });
    if ('errors' in request) return showPage(ctx, user, { values, errors: request.errors });
    const created = await user.api.post<{ id: string; name: string; token: string }>(
      '/access-tokens',
      request.body,
    );
    if (!created.ok) {
      return showPage(ctx, user, { values, errors: formErrorsFromProblem(created.problem) });
    }
    user.session.newToken = {
      id: created.body.id,
      name: created.body.name,
      token: created.body.token,
      where: BASE,
    };
    await kit.sessions.save(user.session);
    kit.seeOther(ctx, BASE);
  });

  router.get(`${BASE}/:id/delete`, async (ctx) => {
    const user = await kit.signedIn(ctx);
    if (!user) return;
    const token = await user.api.get<TokenJson>(`/access-tokens/${encodeURIComponent(ctx.params.id ?? '')}`);
    if (!token.ok || token.body.state !== 'active') return kit.seeOther(ctx, BASE);
    kit.render(ctx, user, {
      title: `Delete ${token.body.name}`,
      section: 'tokens',
      main: deleteTokenPage({
        token: token.body,
        action: `${BASE}/${token.body.id}/delete`,
        back: BASE,
        csrfToken: user.csrfToken,
      }),
    });
  });

  router.post(`${BASE}/:id/delete`, async (ctx) => {
    const user = await kit.signedIn(ctx);
    const form = user && (await kit.readPost(ctx, user));
    if (!user || !form) return;
    const revoked = await user.api.delete<TokenJson>(
      `/access-tokens/${encodeURIComponent(ctx.params.id ?? '')}`,
    );
    user.session.notice = revoked.ok
      ? `The token “${revoked.body.name}” was deleted: it no longer works.`
      : 'That token was already gone.';
    await kit.sessions.save(user.session);
    kit.seeOther(ctx, BASE);
  });
};
