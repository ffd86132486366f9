import { describeScope } from '../console/scope-catalogue.ts';
import { type Html, html, trustedHtml } from '../web/html.ts';
import { renderPage } from '../web/page-layout.ts';

/** The pages of an OAuth interaction: sign in, consent, and the messages around them. */
export type SignInView = {
  uid: string;
  csrfToken: string;
  clientName: string;
  username?: string;
  error?: string;
};

const errorNotice = (message: string | undefined, id: string): Html =>
  message ? html`<div class="notice notice-error" role="alert" id="${id}"><p>${message}</p></div>` : html``;

const abortForm = (uid: string, csrfToken: string, label: string) =>
  html`<form method="post" action="/interaction/${uid}/abort" class="actions">
    <input type="hidden" name="csrf" value="${csrfToken}" />
    <button type="submit" class="button button-quiet full-width">${label}</button>
  </form>`;

export const signInPage = (view: SignInView): string =>
  renderPage({
    title: 'Sign in',
    card: true,
    main: html`<div class="card">
      <h1>Sign in</h1>
      <p class="lead">to continue to <strong>${view.clientName}</strong></p>
      ${errorNotice(view.error, 'sign-in-error')}
      <form method="post" action="/interaction/${view.uid}/login" novalidate>
        <input type="hidden" name="csrf" value="${view.csrfToken}" />
        <div class="field">
          <label for="username">Username</label>
          <input
            type="text"
            id="username"
            name="username"
            value="${view.username ?? ''}"
            autocomplete="username"
            autocapitalize="none"
            spellcheck="false"
            required
            ${view.username ? '' : html`autofocus`}
            ${view.error ? html`aria-describedby="sign-in-error"` : ''}
          />
        </div>
        <div class="field">
          <label for="password">Password</label>
          <input
            type="password"
            id="password"
            name="password"
            autocomplete="current-password"
            required
            ${view.username ? html`autofocus` : ''}
            ${view.error ? html`aria-describedby="sign-in-error"` : ''}
          />
        </div>
        <button type="submit" class="button full-width">Sign in</button>
      </form>
      ${abortForm(view.uid, view.csrfToken, 'Cancel')}
    </div>`,
  });

/** What a scope on the consent page lets the client do, in words. */
const describeConsentScope = (scope: string): string =>
  scope === 'openid'
    ? 'Know who you are: your Tessera user id.'
    : scope === 'offline_access'
      ? 'Keep access while you are away.'
      : describeScope(scope);

export type ConsentView = {
  uid: string;
  csrfToken: string;
  clientName: string;
  /** Scopes asked for, by what they are for: "Your identity" or an API's name. */
  requests: { audience: string; scopes: string[] }[];
};

export const consentPage = (view: ConsentView): string =>
  renderPage({
    title: 'Allow access',
    card: true,
    main: html`<div class="card">
      <h1>Allow access?</h1>
      <p class="lead"><strong>${view.clientName}</strong> asks to act for you with:</p>
      ${view.requests.map(
        (request) =>
          html`<h2>${request.audience}</h2>
            <ul class="consent-scopes">
              ${request.scopes.map(
                (scope) =>
                  html`<li>
                    <code>${scope}</code> <span class="muted">${describeConsentScope(scope)}</span>
                  </li>`,
              )}
            </ul>`,
      )}
      <form method="post" action="/interaction/${view.uid}/confirm" class="actions">
        <input type="hidden" name="csrf" value="${view.csrfToken}" />
        <button type="submit" class="button full-width" autofocus>Allow</button>
      </form>
      ${abortForm(view.uid, view.csrfToken, 'Deny')}
    </div>`,
  });

export const messagePage = (options: {
  title: string;
  message: string;
  link?: { href: string; label: string };
}) =>
  renderPage({
    title: options.title,
    card: true,
    main: html`<div class="card">
      <h1>${options.title}</h1>
      <p>${options.message}</p>
      ${options.link ? html`<p class="actions"><a class="button" href="${options.link.href}">${options.link.label}</a></p>` : ''}
    </div>`,
  });

/** The provider's "sign out?" page; `form` is its own form, holding its CSRF secret. */
export const logoutPage = (options: { form: string; autoSubmit: boolean }) =>
  renderPage({
    title: 'Sign out',
    card: true,
    main: html`<div class="card">
      <h1>Sign out of Tessera?</h1>
      <p class="lead">You will need your password to sign in again.</p>
      ${trustedHtml(options.form)}
      <div class="actions">
        <button
          type="submit"
          class="button full-width"
          form="op.logoutForm"
          name="logout"
          value="yes"
          autofocus
          ${options.autoSubmit ? html`data-auto-submit` : ''}
        >
          Sign out
        </button>
        <button type="submit" class="button button-quiet full-width" form="op.logoutForm">
          Stay signed in
        </button>
      </div>
    </div>`,
  });

export const signedOutPage = () =>
  messagePage({
    title: 'You are signed out',
    message: 'Your Tessera session has ended.',
    link: { href: '/console', label: 'Sign in again' },
  });
