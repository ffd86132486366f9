import type { Problem } from './management-api-client.ts';

/**
 * The "Add token" form: what the user entered, as the page shows it again after an error, and as
 * the management API receives it. Errors belong to a field, or to the form as a whole.
 */
export const EXPIRY_PRESETS = [7, 30, 60, 90, 180, 365] as const;
export const DEFAULT_EXPIRY = '30';

export type TokenFormField = 'name' | 'expiry' | 'scopes' | 'role' | 'form';
export type TokenFormErrors = Partial<Record<TokenFormField, string>>;

export type TokenFormValues = {
  name: string;
  /** A number of days from EXPIRY_PRESETS, `date` or `never`. */
  expiry: string;
  /** YYYY-MM-DD, when expiry is `date`. */
  date: string;
  scopes: string[];
  role: string;
};

export const emptyTokenForm = (role = ''): TokenFormValues => ({
  name: '',
  expiry: DEFAULT_EXPIRY,
  date: '',
  scopes: [],
  role,
});

export const readTokenForm = (form: URLSearchParams): TokenFormValues => ({
  name: (form.get('name') ?? '').trim(),
  expiry: form.get('expiry') ?? DEFAULT_EXPIRY,
  date: (form.get('expires_at') ?? '').trim(),
  scopes: form.getAll('scopes'),
  role: form.get('role') ?? '',
});

/** The API body, or the errors the console can tell without asking the API. */
export const tokenRequestBody = (
  values: TokenFormValues,
  options: { withRole: boolean; neverAllowed: boolean },
): { body: Record<string, unknown> } | { errors: TokenFormErrors } => {
  const errors: TokenFormErrors = {};
  if (!values.name) errors.name = 'Give the token a name.';
  if (values.scopes.length === 0) errors.scopes = 'Choose at least one scope.';
  if (options.withRole && !values.role) errors.role = 'Choose a role.';
  const expiry: Record<string, unknown> = {};
  if (values.expiry === 'date') {
    if (!/^\d{4}-\d{2}-\d{2}$/.test(values.date)) errors.expiry = 'Choose the date the token expires.';
    else expiry.expires_at = values.date;
  } else if (values.expiry === 'never') {
    if (!options.neverAllowed) errors.expiry = 'Tokens must expire here: choose a number of days or a date.';
  } else if ((EXPIRY_PRESETS as readonly number[]).includes(Number(values.expiry))) {
    expiry.expires_in_days = Number(values.expiry);
  } else {
    errors.expiry = 'Choose when the token expires.';
  }
  if (Object.keys(errors).length > 0) return { errors };
  return {
    body: {
      name: values.name,
      scopes: values.scopes,
      ...(options.withRole ? { role: values.role } : {}),
      ...expiry,
    },
  };
};

const FIELD_OF_MEMBER: Record<string, TokenFormField> = {
  name: 'name',
  expires_at: 'expiry',
  expires_in_days: 'expiry',
  scopes: 'scopes',
  role: 'role',
};

/** "expires_at must be a date in the future" → "Must be a date in the future." */
const sentence = (detail: string, member: string) => {
  const text = detail.startsWith(`${member} `) ? detail.slice(member.length + 1) : detail;
  const capital = text.charAt(0).toUpperCase() + text.slice(1);
  return /[.!?]$/.test(capital) ? capital : `${capital}.`;
};

/** The API's problem, spread over the form's fields (RFC 9457 `errors` name them by JSON pointer). */
export const formErrorsFromProblem = (problem: Problem): TokenFormErrors => {
  const errors: TokenFormErrors = {};
  for (const item of problem.errors ?? []) {
    const member = (item.pointer ?? item.parameter ?? '').split('/').filter(Boolean)[0] ?? '';
    const field = FIELD_OF_MEMBER[member] ?? 'form';
    errors[field] ??= sentence(item.detail, member);
  }
  if (Object.keys(errors).length === 0) {
    errors.form = sentence(problem.detail ?? 'The token could not be created.', '');
  }
  return errors;
};
