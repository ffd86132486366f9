import type { Router } from '@koa/router';
import { html } from '../web/html.ts';
import { apiFailureView } from './api-failure-view.ts';
import type { ConsoleKit } from './console-kit.ts';
import { formatDate } from './format.ts';
import { describeScope } from './scope-catalogue.ts';

/**
 * "Applications": the applications the person allowed to act for them (on the consent page), each
 * with what it may do, and a Revoke button that takes it all back (DELETE /v1/me/authorizations).
 */
type AuthorizationJson = {
  client_id: string;
  client_name: string;
  resources: string[];
  scopes: string[];
  authorized_at: string;
};

const scopeWords = (scope: string) => (scope === 'openid' ? 'Know who you are.' : describeScope(scope));

export const registerApplicationPages = (router: Router, kit: ConsoleKit): void => {
  router.get('/console/applications', async (ctx) => {
    const user = await kit.signedIn(ctx);
    if (!user) return;
    const reply = await user.api.get<{ data: AuthorizationJson[] }>('/me/authorizations');
    const revoked = ctx.query.revoked;
    kit.render(ctx, user, {
      title: 'Applications',
      section: 'applications',
      status: reply.ok ? undefined : reply.status,
      main: html`<div class="page-head">
          <div>
            <h1>Applications</h1>
            <p class="lead">Applications you allowed to act for you. Revoke one and it must ask you again.</p>
          </div>
        </div>
        ${typeof revoked === 'string' ? html`<p role="status" class="notice">Revoked ${revoked}.</p>` : ''}
        ${
          !reply.ok
            ? apiFailureView({
                title: 'Your applications could not be listed',
                problem: reply.problem,
                back: { href: '/console/tokens', label: 'Back to your access tokens' },
              })
            : reply.body.data.length === 0
              ? html`<p>You have not authorized any application.</p>`
              : html`<ul class="application-list">
                  ${reply.body.data.map(
                    (app) =>
                      html`<li class="card">
                        <h2>${app.client_name}</h2>
                        <p class="muted">Authorized ${formatDate(app.authorized_at)}</p>
                        ${app.resources.length > 0 ? html`<p>APIs: ${app.resources.join(', ')}</p>` : ''}
                        <ul class="consent-scopes">
                          ${app.scopes.map(
                            (scope) =>
                              html`<li>
                                <code>${scope}</code> <span class="muted">${scopeWords(scope)}</span>
                              </li>`,
                          )}
                        </ul>
                        <form
                          method="post"
                          action="/console/applications/${encodeURIComponent(app.client_id)}/revoke"
                        >
                          <input type="hidden" name="csrf" value="${user.csrfToken}" />
                          <input type="hidden" name="name" value="${app.client_name}" />
                          <button
                            type="submit"
                            class="button button-danger"
                            aria-label="Revoke ${app.client_name}"
                          >
                            Revoke
                          </button>
                        </form>
                      </li>`,
                  )}
                </ul>`
        }`,
    });
  });

  router.post('/console/applications/:clientId/revoke', async (ctx) => {
    const user = await kit.signedIn(ctx);
    if (!user) return;
    const form = await kit.readPost(ctx, user);
    if (!form) return;
    const clientId = ctx.params.clientId ?? '';
    const reply = await user.api.delete(`/me/authorizations/${encodeURIComponent(clientId)}`);
    if (!reply.ok && reply.status !== 404) {
      kit.render(ctx, user, {
        title: 'Applications',
        section: 'applications',
        status: reply.status,
        main: apiFailureView({
          title: 'The application could not be revoked',
          problem: reply.problem,
          back: { href: '/console/applications', label: 'Back to your applications' },
        }),
      });
      return;
    }
    kit.seeOther(ctx, `/console/applications?revoked=${encodeURIComponent(form.get('name') ?? clientId)}`);
  });
};
