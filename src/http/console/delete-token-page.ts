import { html } from '../web/html.ts';
import { formatDate } from './format.ts';
import type { TokenJson } from './token-list-view.ts';

/** "Delete this token?": a page of its own, so it works the same with or without JavaScript. */
export const deleteTokenPage = (options: {
  token: TokenJson;
  action: string;
  back: string;
  csrfToken: string;
}) => {
  const { token } = options;
  return html`<div
    class="card"
    role="alertdialog"
    aria-labelledby="delete-title"
    aria-describedby="delete-what"
  >
    <h1 id="delete-title">Delete “${token.name}”?</h1>
    <p id="delete-what">Anything that uses this token stops working at once. This cannot be undone.</p>
    <dl class="facts">
      <dt>Token</dt>
      <dd class="mono">${token.display_hint}</dd>
      <dt>Scopes</dt>
      <dd>${token.scopes.join(', ')}</dd>
      ${
        token.role
          ? html`<dt>Role</dt>
              <dd>${token.role} (bot <span class="mono">${token.bot_id ?? ''}</span>)</dd>`
          : ''
      }
      <dt>Expires</dt>
      <dd>${token.expires_at ? formatDate(token.expires_at) : 'Never'}</dd>
    </dl>
    <form method="post" action="${options.action}" class="actions">
      <input type="hidden" name="csrf" value="${options.csrfToken}" />
      <button type="submit" class="button button-danger">Delete token</button>
      <a class="button button-secondary" href="${options.back}" autofocus>Cancel</a>
    </form>
  </div>`;
};
