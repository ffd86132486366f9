import type { Router } from '@koa/router';
import type { Context } from 'koa';
import { TOKEN_EXCHANGE } from '../../domain/clients/client.ts';
import { type Html, html } from '../web/html.ts';
import { apiFailureView } from './api-failure-view.ts';
import {
  type ApiResourceChoice,
  type ClientFormValues,
  clientFormView,
  EMPTY_CLIENT_FORM,
  readClientForm,
} from './client-form-view.ts';
import type { ConsoleKit, SignedIn } from './console-kit.ts';
import { dataTable } from './data-table.ts';
import { formatDateTime, timeElement } from './format.ts';
import type { ApiReply, Problem } from './management-api-client.ts';
import { shownOnceNotice } from './shown-once-notice.ts';
import { takeMessages } from './token-collection-pages.ts';
import { confirmation } from './token-list-view.ts';

/**
 * The Clients admin page, over /v1/clients: the registered OAuth clients, a form to register one
 * (its secret shown once, on the client's page), and each client's page with "Rotate secret" and
 * "Delete" (after a confirmation page). Administrators only: anyone else sees what the management
 * API says (403), and no link to it.
 */
const BASE = '/console/clients';

type ClientJson = {
  client_id: string;
  name: string;
  type: string;
  token_endpoint_auth_method: string;
  grant_types: string[];
  redirect_uris: string[];
  resources: string[];
  scopes: string[];
  dpop_bound_access_tokens: boolean;
  created_at: string;
  secret_rotated_at: string | null;
  previous_secret_expires_at: string | null;
  registered_via: string | null;
};
type IssuedClientJson = ClientJson & { client_secret: string | null };

/** How long the replaced secret may keep working after a rotation: /v1 allows up to 30 days. */
const KEEP_OLD_FOR: [seconds: number, label: string][] = [
  [0, 'Stops now'],
  [3600, 'Works 1 more hour'],
  [86_400, 'Works 24 more hours'],
  [7 * 86_400, 'Works 7 more days'],
];

const time = (iso: string) => timeElement(iso, true);
const grantName = (grant: string) => (grant === TOKEN_EXCHANGE ? 'token exchange' : grant);
const hasSecret = (client: ClientJson) => client.token_endpoint_auth_method.startsWith('client_secret');
const pathOf = (clientId: string) => `${BASE}/${encodeURIComponent(clientId)}`;

const clientTable = (clients: ClientJson[]): Html =>
  dataTable({
    rows: clients,
    caption: 'Registered clients',
    empty: 'No clients yet.',
    className: 'clients',
    columns: [
      {
        label: 'Name',
        cell: (client) =>
          html`<a href="${pathOf(client.client_id)}">${client.name}</a><br /><span class="mono muted"
              >${client.client_id}</span
            >`,
      },
      { label: 'Type', cell: (client) => client.type },
      { label: 'Grant types', cell: (client) => client.grant_types.map(grantName).join(', ') },
      { label: 'APIs', cell: (client) => client.resources.join(', ') },
      { label: 'Created', cell: (client) => time(client.created_at) },
    ],
  });

const secretNotice = (secret: string, clientId: string): Html =>
  shownOnceNotice({
    id: 'new-client-secret',
    title: 'The client secret',
    explanation: html`The client authenticates with it and its client id, <code>${clientId}</code>; Tessera
      keeps only a hash.`,
    label: 'Client secret',
    value: secret,
    autofocus: true,
  });

const facts = (client: ClientJson): Html =>
  html`<dl class="facts">
    <dt>Client id</dt>
    <dd class="mono" id="client-id">${client.client_id}</dd>
    <dt>Type</dt>
    <dd>${client.type}</dd>
    <dt>Authentication</dt>
    <dd>${client.token_endpoint_auth_method}</dd>
    <dt>Grant types</dt>
    <dd>${client.grant_types.map(grantName).join(', ')}</dd>
    ${
      client.redirect_uris.length > 0
        ? html`<dt>Redirect URIs</dt>
            <dd class="mono">${client.redirect_uris.map((uri) => html`${uri}<br />`)}</dd>`
        : ''
    }
    <dt>APIs</dt>
    <dd>${client.resources.length > 0 ? client.resources.join(', ') : 'none'}</dd>
    <dt>Scopes</dt>
    <dd>${client.scopes.length > 0 ? client.scopes.join(', ') : 'none'}</dd>
    <dt>DPoP</dt>
    <dd>${client.dpop_bound_access_tokens ? 'required' : 'optional'}</dd>
    <dt>Created</dt>
    <dd>
      ${time(client.created_at)}${client.registered_via ? ` (registered itself: ${client.registered_via})` : ''}
    </dd>
    ${
      client.secret_rotated_at
        ? html`<dt>Secret rotated</dt>
            <dd>${time(client.secret_rotated_at)}</dd>`
        : ''
    }
    ${
      client.previous_secret_expires_at
        ? html`<dt>Old secret works until</dt>
            <dd>${time(client.previous_secret_expires_at)}</dd>`
        : ''
    }
  </dl>`;

export const registerClientPages = (router: Router, kit: ConsoleKit): void => {
  // The secret just made on this page (kept in the session like a new token) and the last notice.
  const takeNotice = async (user: SignedIn, where: string) => {
    const { newToken, notice } = await takeMessages(kit, user, where);
    return { secret: newToken?.token, notice };
  };

  const failure = (
    ctx: Context,
    user: SignedIn,
    title: string,
    reply: { status: number; problem: Problem },
  ) =>
    kit.render(ctx, user, {
      title: 'Client',
      section: 'clients',
      status: reply.status,
      main: apiFailureView({ title, problem: reply.problem, back: { href: BASE, label: 'All clients' } }),
    });

  const showList = async (
    ctx: Context,
    user: SignedIn,
    form: { values: ClientFormValues; problem?: Problem },
    status?: number,
  ) => {
    const [list, apis] = await Promise.all([
      user.api.get<{ data: ClientJson[] }>('/clients'),
      user.api.get<{ data: ApiResourceChoice[] }>('/api-resources'),
    ]);
    const { notice } = await takeNotice(user, BASE);
    kit.render(ctx, user, {
      title: 'Clients',
      section: 'clients',
      status: status ?? (list.ok ? undefined : list.status),
      main: html`<div class="page-head">
          <div>
            <h1>Clients</h1>
            <p class="lead">
              The applications and services that get tokens from Tessera: register one, rotate its secret,
              delete it.
            </p>
          </div>
        </div>
        ${confirmation(notice)}
        ${
          list.ok
            ? html`${clientFormView({
                  action: BASE,
                  csrfToken: user.csrfToken,
                  values: form.values,
                  apis: apis.ok ? apis.body.data : [],
                  problem: form.problem,
                })}
                <h2>Registered clients</h2>
                ${clientTable(list.body.data)}`
            : apiFailureView({
                title: 'Clients could not be shown',
                problem: list.problem,
                back: { href: '/console/tokens', label: 'Back to your tokens' },
              })
        }`,
    });
  };

  /** After create or rotate: the secret on the client's page, once (a reload no longer shows it). */
  const showSecretOnce = async (ctx: Context, user: SignedIn, issued: IssuedClientJson, notice: string) => {
    const where = pathOf(issued.client_id);
    if (issued.client_secret) {
      user.session.newToken = { id: issued.client_id, name: issued.name, token: issued.client_secret, where };
    }
    user.session.notice = notice;
    await kit.sessions.save(user.session);
    kit.seeOther(ctx, where);
  };

  router.get(BASE, async (ctx) => {
    const user = await kit.signedIn(ctx);
    if (user) await showList(ctx, user, { values: EMPTY_CLIENT_FORM });
  });

  router.post(BASE, async (ctx) => {
    const user = await kit.signedIn(ctx);
    const form = user && (await kit.readPost(ctx, user));
    if (!user || !form) return;
    const { values, body } = readClientForm(form);
    const created: ApiReply<IssuedClientJson> = await user.api.post('/clients', body);
    if (!created.ok) return showList(ctx, user, { values, problem: created.problem }, created.status);
    await showSecretOnce(
      ctx,
      user,
      created.body,
      created.body.client_secret
        ? `Client “${created.body.name}” registered.`
        : `Client “${created.body.name}” registered. It is a public client: it has no secret.`,
    );
  });

  router.get(`${BASE}/:id`, async (ctx) => {
    const user = await kit.signedIn(ctx);
    if (!user) return;
    const reply = await user.api.get<ClientJson>(`/clients/${encodeURIComponent(ctx.params.id ?? '')}`);
    if (!reply.ok) return failure(ctx, user, 'This client could not be shown', reply);
    const client = reply.body;
    const path = pathOf(client.client_id);
    const { secret, notice } = await takeNotice(user, path);
    kit.render(ctx, user, {
      title: `Client ${client.name}`,
      section: 'clients',
      main: html`<p><a href="${BASE}">← All clients</a></p>
        <h1>${client.name}</h1>
        ${confirmation(notice)} ${secret ? secretNotice(secret, client.client_id) : ''} ${facts(client)}
        <div class="actions">
          ${
            hasSecret(client)
              ? html`<form method="post" action="${path}/secret" class="inline-form">
                  <input type="hidden" name="csrf" value="${user.csrfToken}" />
                  <label for="keep-old-for">Old secret</label>
                  <select id="keep-old-for" name="keep_old_for_seconds">
                    ${KEEP_OLD_FOR.map(
                      ([seconds, label]) => html`<option value="${String(seconds)}">${label}</option>`,
                    )}
                  </select>
                  <button type="submit" class="button">Rotate secret</button>
                </form>`
              : ''
          }
          <a class="button button-danger-quiet" href="${path}/delete">Delete client</a>
        </div>`,
    });
  });

  router.post(`${BASE}/:id/secret`, async (ctx) => {
    const user = await kit.signedIn(ctx);
    const form = user && (await kit.readPost(ctx, user));
    if (!user || !form) return;
    const keep = Number(form.get('keep_old_for_seconds') ?? '0');
    const rotated = await user.api.post<IssuedClientJson>(
      `/clients/${encodeURIComponent(ctx.params.id ?? '')}/secret`,
      { keep_old_for_seconds: Number.isInteger(keep) ? keep : 0 },
    );
    if (!rotated.ok) return failure(ctx, user, 'The secret could not be rotated', rotated);
    await showSecretOnce(
      ctx,
      user,
      rotated.body,
      rotated.body.previous_secret_expires_at
        ? `Secret rotated. The old one works until ${formatDateTime(rotated.body.previous_secret_expires_at)}.`
        : 'Secret rotated. The old one no longer works.',
    );
  });

  router.get(`${BASE}/:id/delete`, async (ctx) => {
    const user = await kit.signedIn(ctx);
    if (!user) return;
    const reply = await user.api.get<ClientJson>(`/clients/${encodeURIComponent(ctx.params.id ?? '')}`);
    if (!reply.ok) return failure(ctx, user, 'This client could not be shown', reply);
    const client = reply.body;
    const path = pathOf(client.client_id);
    kit.render(ctx, user, {
      title: `Delete ${client.name}`,
      section: 'clients',
      main: html`<div
        class="card"
        role="alertdialog"
        aria-labelledby="delete-title"
        aria-describedby="delete-what"
      >
        <h1 id="delete-title">Delete “${client.name}”?</h1>
        <p id="delete-what">
          It can no longer get tokens, and the tokens it holds stop working. This cannot be undone.
        </p>
        <dl class="facts">
          <dt>Client id</dt>
          <dd class="mono">${client.client_id}</dd>
          <dt>Type</dt>
          <dd>${client.type}</dd>
        </dl>
        <form method="post" action="${path}/delete" class="actions">
          <input type="hidden" name="csrf" value="${user.csrfToken}" />
          <button type="submit" class="button button-danger">Delete client</button>
          <a class="button button-secondary" href="${path}" autofocus>Cancel</a>
        </form>
      </div>`,
    });
  });

  router.post(`${BASE}/:id/delete`, async (ctx) => {
    const user = await kit.signedIn(ctx);
    const form = user && (await kit.readPost(ctx, user));
    if (!user || !form) return;
    const deleted = await user.api.delete(`/clients/${encodeURIComponent(ctx.params.id ?? '')}`);
    if (!deleted.ok && deleted.status !== 404) {
      return failure(ctx, user, 'The client could not be deleted', deleted);
    }
    user.session.notice = deleted.ok ? 'The client was deleted.' : 'That client was already gone.';
    await kit.sessions.save(user.session);
    kit.seeOther(ctx, BASE);
  });
};
