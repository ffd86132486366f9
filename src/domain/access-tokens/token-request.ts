import { z } from 'zod';
import { type FieldProblem, invalidFields } from '../../errors.ts';
import { isScopeToken } from '../scopes/scope-list.ts';
import { fieldProblems } from '../validation.ts';

/**
 * What a request for a new PAT or RAT may say, written once: the CLI passes its flags here through
 * the domain, and the management API builds its body schema (and so its OpenAPI document) from
 * these same field schemas, so both refuse the same values with the same words. Details never
 * name their own field (the CLI says `--expires-in-days`, the API `/expires_in_days`); a detail
 * that names another field writes it `{expiresAt}` for the surface to name.
 */

/** No token lives longer than this, whatever the operator's policy: 100 years. */
export const MAX_TOKEN_LIFETIME_DAYS = 36_500;
export const MAX_TOKEN_SCOPES = 50;
export const MAX_TOKEN_AUDIENCE = 20;

const DAY_MS = 86_400_000;

export type TokenRequestRules = {
  /** The operator's cap (TESSERA_TOKEN_MAX_LIFETIME_DAYS): tokens must expire, within this many days. */
  maxLifetimeDays?: number | undefined;
  /** The clock; without it, dates are checked for their form only (as a document states them). */
  now?: (() => Date) | undefined;
};

/** The end (UTC) of a calendar date YYYY-MM-DD. */
export const endOfDay = (date: string): Date => new Date(`${date}T23:59:59.999Z`);

/** The longest lifetime on this server, and how to say that a request exceeds it. */
export const lifetimeLimit = (rules: TokenRequestRules): { days: number; exceeded: string } => {
  const policy = rules.maxLifetimeDays;
  return policy !== undefined && policy < MAX_TOKEN_LIFETIME_DAYS
    ? {
        days: policy,
        exceeded: `exceeds this server's maximum token lifetime of ${policy} days (TESSERA_TOKEN_MAX_LIFETIME_DAYS)`,
      }
    : {
        days: MAX_TOKEN_LIFETIME_DAYS,
        exceeded: `exceeds the maximum token lifetime of ${MAX_TOKEN_LIFETIME_DAYS} days (100 years)`,
      };
};

/**
 * The last date a token may name in `expires_at`: the day `days` days from now falls on. Its end
 * passes the limit by hours at most, which a date cannot express any closer.
 */
export const lastAllowedDate = (now: Date, days: number): string =>
  new Date(now.getTime() + days * DAY_MS).toISOString().slice(0, 10);

/** The message for a value of the wrong type, or "is required" for none at all. */
const expected = (message: string) => ({
  error: (issue: { input?: unknown }) => (issue.input === undefined ? 'is required' : message),
});

const WHOLE_DAYS = 'must be a whole number of days';
const CALENDAR_DATE = 'must be a calendar date, YYYY-MM-DD';

/** Each field of a token request, as a zod schema with the messages both surfaces show. */
export const tokenRequestFields = (rules: TokenRequestRules = {}) => {
  const limit = lifetimeLimit(rules);
  return {
    name: z
      .string(expected('must be text'))
      .trim()
      .min(1, 'must not be empty')
      .max(100, 'must be at most 100 characters')
      // eslint-disable-next-line no-control-regex -- the point is to reject control characters.
      .regex(/^[^\x00-\x1F\x7F]*$/, 'must not contain control characters'),
    scopes: z
      .array(
        z
          .string(expected('must be a scope name'))
          .max(128, 'must be at most 128 characters')
          .refine(isScopeToken, 'must be a scope token (RFC 6749 §3.3): no spaces, quotes or backslashes'),
        expected('must be a list of scope names'),
      )
      .min(1, 'must name at least one scope')
      .max(MAX_TOKEN_SCOPES, `must name at most ${MAX_TOKEN_SCOPES} scopes`),
    audience: z
      .array(
        z
          .string(expected('must be an API identifier'))
          .min(1, 'must not be empty')
          .max(2048, 'must be at most 2048 characters'),
        expected('must be a list of API identifiers'),
      )
      .max(MAX_TOKEN_AUDIENCE, `must name at most ${MAX_TOKEN_AUDIENCE} APIs`),
    role: z
      .string(expected('must be a role name'))
      .regex(/^[a-z][a-z0-9-]{0,39}$/, 'must be a role such as maintainer'),
    expiresInDays: z
      .number(expected(WHOLE_DAYS))
      .int(WHOLE_DAYS)
      .min(1, 'must be 1 or more')
      .max(limit.days, limit.exceeded),
    expiresAt: z.iso.date(expected(CALENDAR_DATE)).superRefine((date, ctx) => {
      if (!rules.now || !z.iso.date().safeParse(date).success) return;
      const now = rules.now();
      const last = lastAllowedDate(now, limit.days);
      if (endOfDay(date).getTime() <= now.getTime()) {
        ctx.addIssue({ code: 'custom', message: 'must be a date in the future' });
      } else if (date > last) {
        ctx.addIssue({ code: 'custom', message: `${limit.exceeded}: the last date allowed is ${last}` });
      }
    }),
  };
};

type ExpiryInput = { expiresAt?: unknown; expiresInDays?: unknown };

/** What the two expiry fields say together: not both at once, and not neither where tokens must expire. */
export const expiryProblems = (input: ExpiryInput, rules: TokenRequestRules): FieldProblem[] => {
  if (input.expiresAt !== undefined && input.expiresInDays !== undefined) {
    return [
      { field: 'expiresAt', detail: 'cannot be combined with {expiresInDays}' },
      { field: 'expiresInDays', detail: 'cannot be combined with {expiresAt}' },
    ];
  }
  const policy = rules.maxLifetimeDays;
  if (policy !== undefined && input.expiresAt === undefined && input.expiresInDays === undefined) {
    return [
      {
        detail: `tokens on this server must expire within ${policy} days (TESSERA_TOKEN_MAX_LIFETIME_DAYS): give {expiresAt} or {expiresInDays}`,
      },
    ];
  }
  return [];
};

export type PersonalTokenRequest = {
  name: string;
  scopes: string[];
  audience: string[];
  expiresAt?: string | undefined;
  expiresInDays?: number | undefined;
};
export type ResourceTokenRequest = Omit<PersonalTokenRequest, 'audience'> & { role: string };

const parseRequest = <S extends z.ZodObject>(schema: S, input: ExpiryInput, rules: TokenRequestRules) => {
  const result = schema.safeParse(input);
  const problems = [...(result.success ? [] : fieldProblems(result.error)), ...expiryProblems(input, rules)];
  if (!result.success || problems.length > 0) throw invalidFields(problems);
  return result.data as z.output<S>;
};

const buildRequestSchemas = (rules: TokenRequestRules) => {
  const fields = tokenRequestFields(rules);
  return {
    personal: z.object({
      name: fields.name,
      scopes: fields.scopes,
      audience: fields.audience.optional(),
      expiresAt: fields.expiresAt.optional(),
      expiresInDays: fields.expiresInDays.optional(),
    }),
    resource: z.object({
      name: fields.name,
      role: fields.role,
      scopes: fields.scopes,
      expiresAt: fields.expiresAt.optional(),
      expiresInDays: fields.expiresInDays.optional(),
    }),
  };
};

/**
 * The request schemas for one clock and lifetime policy, built once: building them is a tenth of
 * the CPU of a PAT creation (bench scenario 7). Callers pass the same clock for the life of the
 * server, so this holds one entry per policy in practice.
 */
const schemasByClock = new WeakMap<object, Map<number | undefined, ReturnType<typeof buildRequestSchemas>>>();
const WITHOUT_CLOCK = {};

const requestSchemas = (rules: TokenRequestRules) => {
  const clock = rules.now ?? WITHOUT_CLOCK;
  let byPolicy = schemasByClock.get(clock);
  if (!byPolicy) {
    byPolicy = new Map();
    schemasByClock.set(clock, byPolicy);
  }
  let schemas = byPolicy.get(rules.maxLifetimeDays);
  if (!schemas) {
    schemas = buildRequestSchemas(rules);
    byPolicy.set(rules.maxLifetimeDays, schemas);
  }
  return schemas;
};

/** A PAT request, every problem with it reported at once; scopes and audience each once. */
export const parsePersonalTokenRequest = (
  input: ExpiryInput & { name?: unknown; scopes?: unknown; audience?: unknown },
  rules: TokenRequestRules,
): PersonalTokenRequest => {
  const request = parseRequest(requestSchemas(rules).personal, input, rules);
  return {
    ...request,
    scopes: [...new Set(request.scopes)],
    audience: [...new Set(request.audience ?? [])],
  };
};

/** A RAT request, every problem with it reported at once; scopes each once. */
export const parseResourceTokenRequest = (
  input: ExpiryInput & { name?: unknown; scopes?: unknown; role?: unknown },
  rules: TokenRequestRules,
): ResourceTokenRequest => {
  const request = parseRequest(requestSchemas(rules).resource, input, rules);
  return { ...request, scopes: [...new Set(request.scopes)] };
};
