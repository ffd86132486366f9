import { APPLICATION_TYPES, GRANT_TYPES, TOKEN_EXCHANGE } from '../../domain/clients/client.ts';
import { type Html, html } from '../web/html.ts';
import { problemDetails } from './api-failure-view.ts';
import type { Problem } from './management-api-client.ts';

/**
 * The "Register a client" form of the Clients admin page. It offers every type and grant type;
 * which go together is /v1's to decide, and its problems are shown next to the member they point
 * at (`/redirect_uris/0` → the redirect URIs box), the rest above the form.
 */
export type ClientFormValues = {
  name: string;
  type: string;
  grantTypes: string[];
  redirectUris: string;
  resources: string[];
  scopes: string[];
  dpop: boolean;
};

export type ApiResourceChoice = { identifier: string; name: string; scopes: string[] };

export const EMPTY_CLIENT_FORM: ClientFormValues = {
  name: '',
  type: 'web',
  grantTypes: ['authorization_code', 'refresh_token'],
  redirectUris: '',
  resources: [],
  scopes: [],
  dpop: false,
};

/** The form's fields, by the /v1 member a problem's pointer names. */
const FIELDS = {
  name: 'name',
  type: 'type',
  grant_types: 'grant_types',
  redirect_uris: 'redirect_uris',
  resources: 'resources',
  scopes: 'scopes',
  dpop_bound_access_tokens: 'dpop_bound_access_tokens',
} as const;
type Field = keyof typeof FIELDS;

const TYPE_LABELS: Record<(typeof APPLICATION_TYPES)[number], string> = {
  service: 'Service',
  web: 'Web app',
  spa: 'Single-page app (SPA)',
  native: 'Native app',
};

const GRANT_LABELS: Record<(typeof GRANT_TYPES)[number], string> = {
  authorization_code: 'authorization_code (web, spa, native)',
  refresh_token: 'refresh_token (web, spa, native)',
  client_credentials: 'client_credentials (service, web)',
  [TOKEN_EXCHANGE]: 'token exchange (service, web)',
};

/** Problems by field, and those no field of the form shows (they go above it). */
export const fieldProblems = (problem: Problem | undefined) => {
  const byField: Partial<Record<Field, string[]>> = {};
  const general: string[] = [];
  for (const error of problem?.errors ?? []) {
    const member = (error.pointer ?? '').split('/')[1] ?? '';
    if (member in FIELDS) (byField[member as Field] ??= []).push(error.detail);
    else general.push(error.parameter ? `${error.parameter}: ${error.detail}` : error.detail);
  }
  return { byField, general };
};

export const clientFormView = (options: {
  action: string;
  csrfToken: string;
  values: ClientFormValues;
  apis: ApiResourceChoice[];
  problem?: Problem | undefined;
}): Html => {
  const { values, problem } = options;
  const { byField, general } = fieldProblems(problem);
  const errorOf = (field: Field) =>
    byField[field]
      ? html`<p class="field-error" id="client-${field}-error">${byField[field].join(' ')}</p>`
      : '';
  const aria = (field: Field, hint?: string) => {
    const ids = [hint ?? '', byField[field] ? `client-${field}-error` : ''].filter(Boolean).join(' ');
    return html`${ids ? html` aria-describedby="${ids}"` : ''}${byField[field] ? html` aria-invalid="true"` : ''}`;
  };
  const checked = (on: boolean) => (on ? html` checked` : '');
  const summary = problem
    ? [problemDetails({ ...problem, errors: [] })[0] ?? '', ...general].filter(Boolean)
    : [];

  return html`<form method="post" action="${options.action}" novalidate class="card" id="register-client">
    <h2>Register a client</h2>
    ${
      summary.length > 0
        ? html`<div class="notice notice-error" role="alert">
            ${summary.map((line) => html`<p>${line}</p>`)}
          </div>`
        : ''
    }
    <input type="hidden" name="csrf" value="${options.csrfToken}" />
    <div class="field">
      <label for="client-name">Name</label>
      <p class="hint" id="client-name-hint">Shown to people on the consent page.</p>
      <input
        type="text"
        id="client-name"
        name="name"
        value="${values.name}"
        maxlength="100"
        ${aria('name', 'client-name-hint')}
      />
      ${errorOf('name')}
    </div>
    <div class="field">
      <label for="client-type">Type</label>
      <p class="hint" id="client-type-hint">
        A service gets tokens for itself; a web app signs people in from a server. Both keep a secret. A
        single-page or native app signs people in without one (PKCE).
      </p>
      <select id="client-type" name="type" ${aria('type', 'client-type-hint')}>
        ${APPLICATION_TYPES.map(
          (type) =>
            html`<option value="${type}" ${values.type === type ? html` selected` : ''}>
              ${TYPE_LABELS[type]}
            </option>`,
        )}
      </select>
      ${errorOf('type')}
    </div>
    <fieldset class="field" ${aria('grant_types')}>
      <legend>Grant types</legend>
      ${GRANT_TYPES.map((grant, index) => {
        const id = `client-grant-${index}`;
        return html`<div class="check">
          <input
            type="checkbox"
            id="${id}"
            name="grant_types"
            value="${grant}"
            ${checked(values.grantTypes.includes(grant))}
          />
          <label for="${id}" class="scope-name">${GRANT_LABELS[grant]}</label>
        </div>`;
      })}
      ${errorOf('grant_types')}
    </fieldset>
    <div class="field">
      <label for="client-redirect-uris">Redirect URIs</label>
      <p class="hint" id="client-redirect-uris-hint">
        One per line: https, no fragment. A native app may also use http://127.0.0.1 or its own scheme.
      </p>
      <textarea
        id="client-redirect-uris"
        name="redirect_uris"
        rows="3"
        spellcheck="false"
        autocomplete="off"
        ${aria('redirect_uris', 'client-redirect-uris-hint')}
      >
${values.redirectUris}</textarea>
      ${errorOf('redirect_uris')}
    </div>
    <fieldset class="field" ${aria('resources')}>
      <legend>APIs and scopes</legend>
      <p class="hint">
        The APIs it may get tokens for (the first is its default audience), and their scopes.
      </p>
      ${
        options.apis.length === 0
          ? html`<p class="empty">No APIs are registered yet.</p>`
          : options.apis.map((api, apiIndex) => {
              const id = `client-api-${apiIndex}`;
              return html`<div class="check">
                  <input
                    type="checkbox"
                    id="${id}"
                    name="resources"
                    value="${api.identifier}"
                    ${checked(values.resources.includes(api.identifier))}
                  />
                  <label for="${id}"
                    ><strong>${api.name}</strong> <span class="mono">${api.identifier}</span></label
                  >
                </div>
                ${api.scopes.map((scope, scopeIndex) => {
                  const scopeId = `${id}-scope-${scopeIndex}`;
                  return html`<div class="check check-nested">
                    <input
                      type="checkbox"
                      id="${scopeId}"
                      name="scopes"
                      value="${scope}"
                      ${checked(values.scopes.includes(scope))}
                    />
                    <label for="${scopeId}" class="scope-name">${scope}</label>
                  </div>`;
                })}`;
            })
      }
      ${errorOf('resources')} ${errorOf('scopes')}
    </fieldset>
    <div class="field">
      <div class="check">
        <input
          type="checkbox"
          id="client-dpop"
          name="dpop_bound_access_tokens"
          value="true"
          ${checked(values.dpop)}
          ${aria('dpop_bound_access_tokens', 'client-dpop-hint')}
        />
        <label for="client-dpop">Require DPoP</label>
      </div>
      <p class="hint" id="client-dpop-hint">
        Every token request must carry a DPoP proof (RFC 9449), so its tokens are bound to its key.
      </p>
      ${errorOf('dpop_bound_access_tokens')}
    </div>
    <div class="actions"><button type="submit" class="button">Register client</button></div>
  </form>`;
};

/** What the posted form says, as the form shows it again and as /v1 takes it. */
export const readClientForm = (form: URLSearchParams) => {
  const values: ClientFormValues = {
    name: form.get('name') ?? '',
    type: form.get('type') ?? '',
    grantTypes: form.getAll('grant_types'),
    redirectUris: form.get('redirect_uris') ?? '',
    resources: form.getAll('resources'),
    scopes: [...new Set(form.getAll('scopes'))],
    dpop: form.get('dpop_bound_access_tokens') === 'true',
  };
  const redirectUris = values.redirectUris
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter(Boolean);
  const body = {
    name: values.name,
    type: values.type,
    grant_types: values.grantTypes,
    ...(redirectUris.length > 0 ? { redirect_uris: redirectUris } : {}),
    resources: values.resources,
    scopes: values.scopes,
    dpop_bound_access_tokens: values.dpop,
  };
  return { values, body };
};
