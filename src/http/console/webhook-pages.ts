import type { Router } from '@koa/router';
import type { Context } from 'koa';
import { SUBSCRIBABLE_EVENT_TYPES } from '../../domain/webhooks/webhook-service.ts';
import { type Html, html } from '../web/html.ts';
import { apiFailureView, problemDetails } from './api-failure-view.ts';
import type { ConsoleKit, SignedIn } from './console-kit.ts';
import { dataTable } from './data-table.ts';
import { timeElement } from './format.ts';
import type { ApiReply, Problem } from './management-api-client.ts';
import { shownOnceNotice } from './shown-once-notice.ts';
import { takeMessages } from './token-collection-pages.ts';
import { confirmation } from './token-list-view.ts';

/**
 * The Webhooks admin page: subscriptions (add with a URL and event types, the secret shown once),
 * and each one's page with its delivery log, "Send test event" and delete. Administrators only:
 * anyone else sees what the management API says (403).
 */
const BASE = '/console/webhooks';

type WebhookJson = {
  id: string;
  url: string;
  event_types: string[];
  description: string;
  enabled: boolean;
  created_at: string;
};
type DeliveryJson = {
  id: string;
  event_id: string;
  event_type: string;
  stream_key: string;
  state: 'pending' | 'delivered' | 'dead';
  attempts: number;
  created_at: string;
  next_attempt_at: string | null;
  last_attempt: { at: string; status: number | null; latency_ms: number; error: string | null } | null;
};

type FormState = { url: string; description: string; events: string[]; problem?: Problem };

const time = (iso: string) => timeElement(iso, true);

const addForm = (csrfToken: string, form: FormState): Html =>
  html`<form method="post" action="${BASE}" novalidate class="card" id="add-webhook">
    <h2>Add a webhook</h2>
    ${
      form.problem
        ? html`<div class="notice notice-error" role="alert">
            ${problemDetails(form.problem).map((line) => html`<p>${line}</p>`)}
          </div>`
        : ''
    }
    <input type="hidden" name="csrf" value="${csrfToken}" />
    <div class="field">
      <label for="webhook-url">URL</label>
      <p class="hint" id="webhook-url-hint">
        Where events are POSTed: an https address your receiver listens on.
      </p>
      <input type="url" id="webhook-url" name="url" value="${form.url}" aria-describedby="webhook-url-hint" />
    </div>
    <div class="field">
      <label for="webhook-description">Description</label>
      <input
        type="text"
        id="webhook-description"
        name="description"
        value="${form.description}"
        maxlength="200"
      />
    </div>
    <fieldset class="field">
      <legend>Events</legend>
      ${SUBSCRIBABLE_EVENT_TYPES.map((type) => {
        const id = `event-${type.replace(/\W/g, '-')}`;
        return html`<div class="check">
          <input
            type="checkbox"
            id="${id}"
            name="events"
            value="${type}"
            ${form.events.includes(type) ? html` checked` : ''}
          />
          <label for="${id}" class="scope-name">${type}</label>
        </div>`;
      })}
    </fieldset>
    <div class="actions"><button type="submit" class="button">Add webhook</button></div>
  </form>`;

const webhookTable = (webhooks: WebhookJson[]): Html =>
  dataTable({
    rows: webhooks,
    caption: 'Webhook subscriptions',
    empty: 'No webhooks yet.',
    columns: [
      {
        label: 'URL',
        cell: (webhook) =>
          html`<a href="${BASE}/${webhook.id}">${webhook.url}</a>${
              webhook.enabled ? '' : html` <span class="state state-revoked">disabled</span>`
            }<br /><span class="mono muted">${webhook.id}</span>`,
      },
      { label: 'Events', cell: (webhook) => webhook.event_types.join(', ') },
      { label: 'Created', cell: (webhook) => time(webhook.created_at) },
    ],
  });

const secretNotice = (secret: string): Html =>
  shownOnceNotice({
    id: 'new-secret-value',
    title: 'The signing secret',
    explanation: html`Your receiver verifies each request's <code>webhook-signature</code> with it (Standard
      Webhooks).`,
    label: 'Signing secret',
    value: secret,
  });

const deliveryLog = (deliveries: DeliveryJson[]): Html =>
  dataTable({
    rows: deliveries,
    caption: 'Delivery log',
    empty: 'Nothing delivered yet. Send a test event.',
    className: 'deliveries',
    columns: [
      {
        label: 'Event',
        cell: (delivery) =>
          html`<strong>${delivery.event_type}</strong><br /><span class="mono muted"
              >evt_${delivery.event_id} · ${delivery.stream_key}</span
            >`,
      },
      {
        label: 'State',
        cell: (delivery) =>
          html`<span class="state state-${delivery.state}">${delivery.state}</span>${
              delivery.next_attempt_at
                ? html`<br /><span class="muted">next ${time(delivery.next_attempt_at)}</span>`
                : ''
            }`,
      },
      { label: 'Attempts', cell: (delivery) => String(delivery.attempts) },
      {
        label: 'Last attempt',
        cell: (delivery) =>
          delivery.last_attempt ? time(delivery.last_attempt.at) : html`<span class="muted">not yet</span>`,
      },
      {
        label: 'Answer',
        cell: (delivery) =>
          delivery.last_attempt
            ? (delivery.last_attempt.status ?? '') +
              (delivery.last_attempt.error && delivery.last_attempt.status === null
                ? delivery.last_attempt.error
                : '')
            : '',
      },
      {
        label: 'Latency',
        cell: (delivery) => (delivery.last_attempt ? `${delivery.last_attempt.latency_ms} ms` : ''),
      },
    ],
  });

export const registerWebhookPages = (router: Router, kit: ConsoleKit): void => {
  // The secret just made on this page (kept in the session like a new token) and the last notice.
  const takeNotice = async (user: SignedIn, where: string) => {
    const { newToken, notice } = await takeMessages(kit, user, where);
    return { secret: newToken?.token, notice };
  };

  const showList = async (ctx: Context, user: SignedIn, form: FormState, status?: number) => {
    const list = await user.api.get<{ items: WebhookJson[] }>('/webhooks');
    const { notice } = await takeNotice(user, BASE);
    kit.render(ctx, user, {
      title: 'Webhooks',
      section: 'webhooks',
      status: status ?? (list.ok ? undefined : list.status),
      main: html`<div class="page-head">
          <div>
            <h1>Webhooks</h1>
            <p class="lead">
              Token events — created, rotated, revoked, expiring, expired, idle, leaked — POSTed to your URLs,
              signed.
            </p>
          </div>
        </div>
        ${confirmation(notice)}
        ${
          list.ok
            ? html`${addForm(user.csrfToken, form)}
                <h2>Subscriptions</h2>
                ${webhookTable(list.body.items)}`
            : apiFailureView({
                title: 'Webhooks could not be shown',
                problem: list.problem,
                back: { href: '/console/tokens', label: 'Back to your tokens' },
              })
        }`,
    });
  };

  router.get(BASE, async (ctx) => {
    const user = await kit.signedIn(ctx);
    if (user) await showList(ctx, user, { url: '', description: '', events: ['token.revoked'] });
  });

  router.post(BASE, async (ctx) => {
    const user = await kit.signedIn(ctx);
    const form = user && (await kit.readPost(ctx, user));
    if (!user || !form) return;
    const state: FormState = {
      url: form.get('url') ?? '',
      description: form.get('description') ?? '',
      events: form.getAll('events'),
    };
    const created: ApiReply<WebhookJson & { secret: string }> = await user.api.post('/webhooks', {
      url: state.url,
      event_types: state.events,
      description: state.description,
    });
    if (!created.ok) return showList(ctx, user, { ...state, problem: created.problem }, created.status);
    const where = `${BASE}/${created.body.id}`;
    user.session.newToken = {
      id: created.body.id,
      name: created.body.url,
      token: created.body.secret,
      where,
    };
    await kit.sessions.save(user.session);
    kit.seeOther(ctx, where);
  });

  router.get(`${BASE}/:id`, async (ctx) => {
    const user = await kit.signedIn(ctx);
    if (!user) return;
    const id = encodeURIComponent(ctx.params.id ?? '');
    const [webhook, deliveries] = await Promise.all([
      user.api.get<WebhookJson>(`/webhooks/${id}`),
      user.api.get<{ items: DeliveryJson[] }>(`/webhooks/${id}/deliveries`, { limit: '50' }),
    ]);
    if (!webhook.ok) {
      return kit.render(ctx, user, {
        title: 'Webhook',
        section: 'webhooks',
        status: webhook.status,
        main: apiFailureView({
          title: 'This webhook could not be shown',
          problem: webhook.problem,
          back: { href: BASE, label: 'All webhooks' },
        }),
      });
    }
    const { secret, notice } = await takeNotice(user, `${BASE}/${webhook.body.id}`);
    const path = `${BASE}/${webhook.body.id}`;
    kit.render(ctx, user, {
      title: `Webhook ${webhook.body.url}`,
      section: 'webhooks',
      main: html`<p><a href="${BASE}">← All webhooks</a></p>
        <h1>${webhook.body.url}</h1>
        ${secret ? secretNotice(secret) : ''} ${confirmation(notice)}
        <dl class="facts">
          <dt>Id</dt>
          <dd class="mono">${webhook.body.id}</dd>
          <dt>Events</dt>
          <dd>${webhook.body.event_types.join(', ')}</dd>
          <dt>State</dt>
          <dd>${webhook.body.enabled ? 'enabled' : 'disabled (events queue until it is enabled)'}</dd>
          ${
            webhook.body.description
              ? html`<dt>Description</dt>
                  <dd>${webhook.body.description}</dd>`
              : ''
          }
        </dl>
        <div class="actions">
          <form method="post" action="${path}/test" class="inline-form">
            <input type="hidden" name="csrf" value="${user.csrfToken}" />
            <button type="submit" class="button">Send test event</button>
          </form>
          <form method="post" action="${path}/delete" class="inline-form">
            <input type="hidden" name="csrf" value="${user.csrfToken}" />
            <button type="submit" class="button button-danger-quiet">Delete webhook</button>
          </form>
        </div>
        <h2>Delivery log</h2>
        ${deliveries.ok ? deliveryLog(deliveries.body.items) : apiFailureView({ title: 'The delivery log could not be read', problem: deliveries.problem, back: { href: path, label: 'Reload' } })}`,
    });
  });

  router.post(`${BASE}/:id/test`, async (ctx) => {
    const user = await kit.signedIn(ctx);
    const form = user && (await kit.readPost(ctx, user));
    if (!user || !form) return;
    const id = encodeURIComponent(ctx.params.id ?? '');
    const sent = await user.api.post<{ event_id: string }>(`/webhooks/${id}/test`, {});
    user.session.notice = sent.ok
      ? `Test event evt_${sent.body.event_id} queued: reload to see its delivery.`
      : 'That webhook is gone.';
    await kit.sessions.save(user.session);
    kit.seeOther(ctx, sent.ok ? `${BASE}/${id}` : BASE);
  });

  router.post(`${BASE}/:id/delete`, async (ctx) => {
    const user = await kit.signedIn(ctx);
    const form = user && (await kit.readPost(ctx, user));
    if (!user || !form) return;
    const deleted = await user.api.delete(`/webhooks/${encodeURIComponent(ctx.params.id ?? '')}`);
    user.session.notice = deleted.ok ? 'The webhook was deleted.' : 'That webhook was already gone.';
    await kit.sessions.save(user.session);
    kit.seeOther(ctx, BASE);
  });
};
