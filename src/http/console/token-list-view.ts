import { type Html, html } from '../web/html.ts';
import { dataTable } from './data-table.ts';
import { timeElement } from './format.ts';
import type { NewTokenNotice } from './console-sessions.ts';
import { shownOnceNotice } from './shown-once-notice.ts';

/** A page of tokens as the management API lists them, the state filters, and the one-time notice. */
export type TokenJson = {
  id: string;
  name: string;
  scopes: string[];
  state: 'active' | 'expired' | 'revoked';
  display_hint: string;
  created_at: string;
  expires_at: string | null;
  last_used_at: string | null;
  revoked_at: string | null;
  bot_id?: string;
  role?: string;
};

export const STATES = ['active', 'expired', 'revoked', 'all'] as const;
export type StateFilter = (typeof STATES)[number];

const STATE_LABELS: Record<StateFilter, string> = {
  active: 'Active',
  expired: 'Expired',
  revoked: 'Revoked',
  all: 'All',
};

export const stateFilters = (basePath: string, current: StateFilter): Html =>
  html`<nav aria-label="Which tokens">
    <ul class="filters">
      ${STATES.map(
        (state) =>
          html`<li>
            <a href="${basePath}?state=${state}" ${state === current ? html` aria-current="page"` : ''}
              >${STATE_LABELS[state]}</a
            >
          </li>`,
      )}
    </ul>
  </nav>`;

/** How the list marks tokens near their expiry, and the form that rotates one. */
export type ExpiringSoon = { now: Date; days: number; csrfToken: string };

const DAY = 86_400_000;

const expiresSoon = (token: TokenJson, soon: ExpiringSoon | undefined) =>
  soon !== undefined &&
  token.state === 'active' &&
  token.expires_at !== null &&
  Date.parse(token.expires_at) - soon.now.getTime() <= soon.days * DAY;

const expiresCell = (token: TokenJson, soon: ExpiringSoon | undefined) => {
  if (token.expires_at === null) return html`Never`;
  if (token.state === 'expired') return html`Expired ${timeElement(token.expires_at)}`;
  return expiresSoon(token, soon)
    ? html`${timeElement(token.expires_at)} <span class="state state-expiring">expires soon</span>`
    : timeElement(token.expires_at);
};

export const tokenTable = (options: {
  tokens: TokenJson[];
  caption: string;
  /** Where each token's delete page is: `${deleteBase}/${id}/delete`. */
  deleteBase: string;
  resourceTokens: boolean;
  emptyText: string;
  /** Marks tokens that expire soon and offers to rotate them (POST `${deleteBase}/${id}/rotate`). */
  expiringSoon?: ExpiringSoon | undefined;
}): Html => {
  const soon = options.expiringSoon;
  return dataTable({
    rows: options.tokens,
    caption: options.caption,
    empty: options.emptyText,
    columns: [
      {
        label: 'Name',
        cell: (token) =>
          html`<strong>${token.name}</strong><br /><span class="mono muted">${token.display_hint}</span>${
              token.state === 'active'
                ? ''
                : html` <span class="state state-${token.state}">${token.state}</span>`
            }`,
      },
      options.resourceTokens && {
        label: 'Role and bot',
        cell: (token) => html`${token.role ?? ''}<br /><span class="mono muted">${token.bot_id ?? ''}</span>`,
      },
      {
        label: 'Scopes',
        cell: (token) =>
          html`<ul class="scope-list">
            ${token.scopes.map((scope) => html`<li>${scope}</li>`)}
          </ul>`,
      },
      { label: 'Created', cell: (token) => timeElement(token.created_at) },
      {
        label: 'Last used',
        cell: (token) =>
          token.last_used_at
            ? timeElement(token.last_used_at, true)
            : html`<span class="muted">Never used</span>`,
      },
      { label: 'Expires', cell: (token) => expiresCell(token, soon) },
      { label: 'Actions', hiddenLabel: true, cell: (token) => tokenActions(token, options.deleteBase, soon) },
    ],
  });
};

const tokenActions = (token: TokenJson, deleteBase: string, soon: ExpiringSoon | undefined): Html =>
  html`${
    expiresSoon(token, soon)
      ? html`<form method="post" action="${deleteBase}/${token.id}/rotate" class="inline-form">
          <input type="hidden" name="csrf" value="${soon?.csrfToken ?? ''}" />
          <button type="submit" class="button button-small" aria-label="Rotate ${token.name}">Rotate</button>
        </form>`
      : ''
  }
  ${
    token.state === 'active'
      ? html`<a
          class="button button-small button-danger-quiet"
          href="${deleteBase}/${token.id}/delete"
          aria-label="Delete ${token.name}"
          >Delete</a
        >`
      : token.revoked_at
        ? html`<span class="muted">Deleted ${timeElement(token.revoked_at)}</span>`
        : ''
  }`;

/** The token just created, shown this once with a copy button. */
export const newTokenNotice = (notice: NewTokenNotice): Html =>
  shownOnceNotice({
    id: 'new-token-value',
    title: `Your new token “${notice.name}”`,
    explanation: 'Tessera keeps only a hash of it; if you lose it, delete it and add another.',
    label: 'New token',
    value: notice.token,
    autofocus: true,
  });

export const confirmation = (message: string | undefined): Html =>
  message ? html`<div class="notice notice-ok" role="status"><p>${message}</p></div>` : html``;
