import type { Router } from '@koa/router';
import { html } from '../web/html.ts';
import type { ConsoleKit } from './console-kit.ts';
import {
  listQuery,
  messagesView,
  pageStatus,
  registerTokenCollection,
  takeMessages,
  type TokenPage,
  tokenListView,
} from './token-collection-pages.ts';
import { apiFailureView } from './api-failure-view.ts';
import { emptyTokenForm } from './token-form.ts';
import { tokenFormView } from './token-form-view.ts';

/** Personal access tokens: the list with its filters, the Add form, the one-time token, delete. */
const BASE = '/console/tokens';

type Me = { username: string | null; grantable_scopes: string[] };

export const registerPersonalTokenPages = (router: Router, kit: ConsoleKit): void =>
  registerTokenCollection(router, kit, {
    route: BASE,
    section: 'tokens',
    kind: 'personal',
    pagePath: () => BASE,
    apiPath: () => '/access-tokens',
    async show(ctx, user, form) {
      const { state, cursor } = listQuery(ctx);
      const [me, list] = await Promise.all([
        user.api.get<Me>('/me'),
        user.api.get<TokenPage>('/access-tokens', { state, limit: '50', cursor }),
      ]);
      const messages = await takeMessages(kit, user, BASE);
      kit.render(ctx, user, {
        title: 'Personal access tokens',
        section: 'tokens',
        status: pageStatus(form, list, me),
        main: html`<div class="page-head">
            <div>
              <h1>Personal access tokens</h1>
              <p class="lead">
                Tokens that act as you, for scripts, CI and the command line. Each carries only the scopes you
                give it.
              </p>
            </div>
          </div>
          ${messagesView(messages)}
          ${
            me.ok
              ? tokenFormView({
                  action: BASE,
                  csrfToken: user.csrfToken,
                  values: form.values ?? emptyTokenForm(),
                  errors: form.errors,
                  policy: kit.policy,
                  offered: new Set(me.body.grantable_scopes),
                  maxLifetimeDays: kit.maxLifetimeDays,
                  now: kit.now(),
                })
              : apiFailureView({
                  title: 'The scopes you may give a token could not be read',
                  problem: me.problem,
                  back: { href: BASE, label: 'Reload the page' },
                })
          }
          ${tokenListView({
            pagePath: BASE,
            state,
            list,
            caption: 'Your personal access tokens',
            resourceTokens: false,
            expiringSoon: { now: kit.now(), days: kit.expiringSoonDays, csrfToken: user.csrfToken },
            noActiveTokens: 'You have no active personal access tokens.',
          })}`,
      });
    },
  });
