import { type Html, html } from '../web/html.ts';

/**
 * A secret the console shows this once (a new token, a webhook's signing secret), read-only with a
 * copy button: Tessera keeps only a hash or a sealed copy, so the page is the one chance to take it.
 * The button is hidden until the console script finds the clipboard API.
 */
export type ShownOnce = {
  /** The id of the input; the heading and label ids derive from it. */
  id: string;
  title: Html | string;
  /** Why it matters to keep it, after "Copy it now: it will not be shown again." */
  explanation: Html | string;
  label: string;
  value: string;
  /** Focus the value when the page opens (the main thing on the page). */
  autofocus?: boolean;
};

export const shownOnceNotice = ({ id, title, explanation, label, value, autofocus }: ShownOnce): Html =>
  html`<section class="notice notice-ok new-token" aria-labelledby="${id}-title">
    <h2 id="${id}-title">${title}</h2>
    <p><strong>Copy it now: it will not be shown again.</strong> ${explanation}</p>
    <div class="copy-row">
      <label for="${id}" class="visually-hidden">${label}</label>
      <input
        type="text"
        id="${id}"
        class="token-value"
        value="${value}"
        readonly
        autocomplete="off"
        spellcheck="false"
        data-select-on-focus
        ${autofocus ? html`autofocus` : ''}
      />
      <button type="button" class="button" data-copy-target="${id}" data-copy-status="copy-status" hidden>
        Copy
      </button>
    </div>
    <p class="copy-status" id="copy-status" role="status" aria-live="polite"></p>
  </section>`;
