import type { Policy } from '../../domain/permissions/policy.ts';
import { type Html, html } from '../web/html.ts';
import { addDays, formatDate, isoDay } from './format.ts';
import { scopeGroups } from './scope-catalogue.ts';
import {
  EXPIRY_PRESETS,
  type TokenFormErrors,
  type TokenFormField,
  type TokenFormValues,
} from './token-form.ts';

/** The "Add token" form, for personal tokens and (with roles) for a resource's tokens. */
export type TokenFormView = {
  action: string;
  csrfToken: string;
  values: TokenFormValues;
  errors: TokenFormErrors;
  policy: Policy;
  /** Scopes the form offers. */
  offered: ReadonlySet<string>;
  /** TESSERA_TOKEN_MAX_LIFETIME_DAYS; undefined: no limit, "no expiration" offered. */
  maxLifetimeDays: number | undefined;
  now: Date;
  /** Resource tokens: the roles the user may give, and which roles allow each scope. */
  roles?: {
    choices: string[];
    ownRole: string;
    resourceLabel: string;
    rolesAllowing: (scope: string) => string[];
  };
};

const FIRST_INVALID: TokenFormField[] = ['name', 'role', 'expiry', 'scopes'];

const errorOf = (id: string, message: string | undefined) =>
  message ? html`<p class="field-error" id="${id}-error">${message}</p>` : html``;

/** aria attributes of a control whose field may have an error, and autofocus on the first error. */
const describedBy = (id: string, field: TokenFormField, view: TokenFormView, hint: boolean) => {
  const invalid = view.errors[field] !== undefined;
  const ids = [hint ? `${id}-hint` : '', invalid ? `${id}-error` : ''].filter(Boolean).join(' ');
  const first = FIRST_INVALID.find((candidate) => view.errors[candidate] !== undefined) === field;
  return html`${ids ? html` aria-describedby="${ids}"` : ''}${invalid ? html` aria-invalid="true"` : ''}${first ? html` autofocus` : ''}`;
};

const expiryField = (view: TokenFormView): Html => {
  const max = view.maxLifetimeDays;
  const presets = EXPIRY_PRESETS.filter((days) => max === undefined || days <= max);
  const option = (value: string, label: string) =>
    html`<option value="${value}" ${view.values.expiry === value ? html` selected` : ''}>${label}</option>`;
  const tomorrow = isoDay(addDays(view.now, 1));
  const latest = max === undefined ? undefined : isoDay(addDays(view.now, max));
  return html`<div class="field">
    <label for="token-expiry">Expiration</label>
    <p class="hint" id="token-expiry-hint">
      ${
        max === undefined
          ? 'Days count from now; a date lasts until midnight at its end (UTC).'
          : `Tokens here live at most ${max} days. A date lasts until midnight at its end (UTC).`
      }
    </p>
    <div class="inline-fields">
      <select
        id="token-expiry"
        name="expiry"
        data-expiry-select="token-date-field"
        ${describedBy('token-expiry', 'expiry', view, true)}
      >
        ${presets.map((days) => option(String(days), `${days} days (${formatDate(addDays(view.now, days))})`))}
        ${option('date', 'On a date…')} ${max === undefined ? option('never', 'No expiration') : ''}
      </select>
      <span id="token-date-field">
        <label for="token-date" class="visually-hidden">Expiration date, with “On a date…”</label>
        <input
          type="date"
          id="token-date"
          name="expires_at"
          value="${view.values.date}"
          min="${tomorrow}"
          ${latest ? html` max="${latest}"` : ''}
          ${view.errors.expiry ? html` aria-invalid="true" aria-describedby="token-expiry-error"` : ''}
        />
      </span>
    </div>
    ${errorOf('token-expiry', view.errors.expiry)}
  </div>`;
};

const roleField = (view: TokenFormView): Html => {
  const roles = view.roles;
  if (!roles) return html``;
  return html`<div class="field">
    <label for="token-role">Role</label>
    <p class="hint" id="token-role-hint">
      The role of the token's bot on ${roles.resourceLabel}: at most yours, ${roles.ownRole}.
    </p>
    <select id="token-role" name="role" data-role-select${describedBy('token-role', 'role', view, true)}>
      ${roles.choices.map(
        (role) =>
          html`<option value="${role}" ${view.values.role === role ? html` selected` : ''}>${role}</option>`,
      )}
    </select>
    ${errorOf('token-role', view.errors.role)}
  </div>`;
};

const scopesField = (view: TokenFormView): Html => {
  const groups = scopeGroups(view.policy, view.offered);
  const checked = new Set(view.values.scopes);
  const invalid = view.errors.scopes !== undefined;
  return html`<fieldset
    class="field"
    aria-describedby="token-scopes-hint${invalid ? ' token-scopes-error' : ''}"
  >
    <legend>Scopes</legend>
    <p class="hint" id="token-scopes-hint">
      ${
        view.roles
          ? 'What the token may do on this resource and below it, within its role.'
          : 'What the token may do. Only scopes you hold are listed: a token never does more than you can.'
      }
    </p>
    ${errorOf('token-scopes', view.errors.scopes)}
    <div class="scope-groups">
      ${groups.map(
        (group) =>
          html`<fieldset class="scope-group">
            <legend>${group.title}</legend>
            ${group.scopes.map((choice, index) => {
              const id = `scope-${choice.scope.replace(/[^a-z0-9]/gi, '-')}`;
              const autofocus =
                invalid &&
                index === 0 &&
                group === groups[0] &&
                FIRST_INVALID.find((f) => view.errors[f]) === 'scopes';
              return html`<div class="check">
                <input
                  type="checkbox"
                  id="${id}"
                  name="scopes"
                  value="${choice.scope}"
                  ${checked.has(choice.scope) ? html` checked` : ''}${
                    view.roles ? html` data-roles="${view.roles.rolesAllowing(choice.scope).join(' ')}"` : ''
                  }
                  aria-describedby="${id}-hint"
                  ${autofocus ? html` autofocus` : ''}
                />
                <label for="${id}" class="scope-name">${choice.scope}</label>
                <p class="hint" id="${id}-hint">${choice.description}</p>
              </div>`;
            })}
          </fieldset>`,
      )}
    </div>
  </fieldset>`;
};

export const tokenFormView = (view: TokenFormView): Html =>
  html`<form method="post" action="${view.action}" novalidate class="card" id="add-token">
    <h2>Add a token</h2>
    ${view.errors.form ? html`<div class="notice notice-error" role="alert"><p>${view.errors.form}</p></div>` : ''}
    <input type="hidden" name="csrf" value="${view.csrfToken}" />
    <div class="field">
      <label for="token-name">Name</label>
      <p class="hint" id="token-name-hint">What the token is for, so you recognise it later.</p>
      <input
        type="text"
        id="token-name"
        name="name"
        value="${view.values.name}"
        maxlength="100"
        autocomplete="off"
        ${describedBy('token-name', 'name', view, true)}
      />
      ${errorOf('token-name', view.errors.name)}
    </div>
    ${roleField(view)} ${expiryField(view)} ${scopesField(view)}
    <div class="actions"><button type="submit" class="button">Add token</button></div>
  </form>`;
