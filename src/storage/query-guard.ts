import type { Knex } from 'knex';
import { AppError } from '../errors.ts';

/**
 * The one place where text Postgres cannot take is turned away, for every query of both profiles
 * (`pg` and PGlite): a request's bytes must get a 400 naming what was wrong, never a 500 and
 * never a half-written record.
 *
 * Two kinds of text never reach a query: a NUL character (Postgres `text` cannot hold one and
 * fails the whole statement with 22021), and an unpaired UTF-16 surrogate (what invalid UTF-8 or
 * a `\ud800` JSON escape decodes to; the drivers would silently store U+FFFD in its place).
 * And the data errors Postgres raises about a value — 22021 and 22P05 (character not in the
 * repertoire / untranslatable), 22001 (value too long), 22P02 (invalid text representation),
 * 22003 (number out of range), 22007 and 22008 (a date or time Postgres cannot read or hold) —
 * are the caller's input too, so they become `invalid_input` rather than an unclassified failure.
 */

/** Why `value` cannot be stored as text, or undefined when it can. */
export const unstorableReason = (value: string): string | undefined => {
  if (value.includes('\u0000')) return 'contains a NUL character';
  if (!value.isWellFormed()) return 'is not valid UTF-8';
  return undefined;
};

/** True when `value` can be stored as text: lookups by a key that cannot be stored find nothing. */
export const isStorableText = (value: string): boolean => unstorableReason(value) === undefined;

const DATA_ERRORS: Readonly<Record<string, string>> = {
  '22021': 'contains a character that cannot be stored',
  '22P05': 'contains a character that cannot be stored',
  '22001': 'is too long',
  '22P02': 'is not in the expected format',
  '22003': 'is out of range',
  '22007': 'is not a valid date or time',
  '22008': 'is not a date or time Tessera can store',
};

const camelCase = (column: string): string =>
  column.replace(/_([a-z])/g, (_, letter: string) => letter.toUpperCase());

/**
 * The column a positional parameter (`$3`) is compared with or written to, as knex writes SQL:
 * `"col" = $3`, `"col" in ($2, $3)`, `set "col" = $3`, or the column list of an insert.
 */
const columnOf = (sql: string, position: number): string | undefined => {
  const insert = /^insert into \S+ \(([^)]*)\) values \(/i.exec(sql);
  if (insert?.[1]) {
    const columns = insert[1].split(',').map((column) => column.trim().replace(/^"|"$/g, ''));
    return columns[(position - 1) % columns.length];
  }
  const compared = new RegExp(
    String.raw`"(\w+)"(?:::\w+)?\s*(?:=|<>|!=|<=|>=|<|>|i?like|(?:not\s+)?in\s*\([^)]*?)\s*\$${position}(?!\d)`,
    'i',
  ).exec(sql);
  return compared?.[1];
};

const fieldOf = (sql: string | undefined, position: number): string | undefined => {
  const column = sql ? columnOf(sql, position) : undefined;
  return column ? camelCase(column) : undefined;
};

/** Strings inside a binding: itself, or the members of an array / JSON value bound as one. */
const textsOf = (value: unknown, depth = 0): string[] => {
  if (typeof value === 'string') return [value];
  if (depth > 8 || value === null || typeof value !== 'object' || value instanceof Date) return [];
  if (Buffer.isBuffer(value) || ArrayBuffer.isView(value)) return [];
  const members = Array.isArray(value) ? value : [...Object.keys(value), ...Object.values(value)];
  return members.flatMap((member) => textsOf(member, depth + 1));
};

/** Throws `invalid_input` for the first binding Postgres could not store. */
export const refuseUnstorableBindings = (
  sql: string | undefined,
  bindings: readonly unknown[] | undefined,
) => {
  for (const [index, binding] of (bindings ?? []).entries()) {
    for (const text of textsOf(binding)) {
      const reason = unstorableReason(text);
      if (reason === undefined) continue;
      const field = fieldOf(sql, index + 1);
      throw new AppError('invalid_input', `${field ?? 'A value'} ${reason}`, { field });
    }
  }
};

/** The `invalid_input` a Postgres data error about a value stands for; undefined for any other error. */
export const dataErrorAsInput = (error: unknown, sql?: string): AppError | undefined => {
  const failure = error as { code?: unknown; where?: unknown } | null;
  const reason = typeof failure?.code === 'string' ? DATA_ERRORS[failure.code] : undefined;
  if (reason === undefined) return undefined;
  // Postgres says which parameter it was when it was a bound one ("unnamed portal parameter $2").
  const position = /parameter \$(\d+)/.exec(String(failure?.where ?? ''))?.[1];
  const field = position ? fieldOf(sql, Number(position)) : undefined;
  return new AppError('invalid_input', `${field ?? 'A value'} ${reason}`, { field, cause: error });
};

type QueryObject = { sql?: string; bindings?: readonly unknown[] };
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- TypeScript's mixin rule asks for any[]
export type ClientConstructor = new (...args: any[]) => Knex.Client;

/**
 * A knex client class that runs the guard around every query, its transactions' included (knex
 * builds a transaction's client from the class's prototype, so the guard must be on the class).
 */
export const guardedClient = <Base extends ClientConstructor>(base: Base): Base =>
  class GuardedClient extends base {
    override query(connection: unknown, queryParam: unknown): Promise<unknown> {
      const query = (typeof queryParam === 'string' ? { sql: queryParam } : queryParam) as QueryObject;
      // Numbered as the server will see them ($1, $2…), so an error can name its column.
      const sql = query.sql === undefined ? undefined : this.positionBindings(query.sql);
      refuseUnstorableBindings(sql, query.bindings);
      return (super.query(connection, queryParam) as Promise<unknown>).catch((error: unknown) => {
        throw dataErrorAsInput(error, sql) ?? error;
      });
    }
  };
