import { clientCredentialsJwt, clientCredentialsOpaque } from './client-credentials.ts';
import { introspectionPatRat } from './introspection-pat-rat.ts';
import { introspectionOpaque } from './introspection.ts';
import { managementAccessTokens } from './management-access-tokens.ts';
import { scaleClients } from './scale-clients.ts';
import { scaleIntrospection } from './scale-introspection.ts';
import { scalePatMemory } from './scale-pat-memory.ts';
import type { Scenario } from './scenario.ts';
import { tokenExchange } from './token-exchange.ts';
import { verify } from './verify.ts';
import { workers } from './workers.ts';

/**
 * Every scenario of issue 6, in the order they run (compared ones first, then Tessera-only ones
 * in this order). A scenario whose feature has not landed yet is listed as `unavailable` with what
 * it waits for, until it becomes a module of its own; none is at the moment.
 */
export const SCENARIOS: Scenario[] = [
  clientCredentialsJwt,
  clientCredentialsOpaque,
  introspectionOpaque,
  introspectionPatRat,
  tokenExchange,
  verify,
  managementAccessTokens,
  scaleIntrospection,
  scaleClients,
  scalePatMemory,
  workers,
];

/** Limits measured in the same run, selectable like scenarios. */
export const LIMITS = ['es256', 'koa'] as const;

/** Whether `--scenario` selects an id: by id, by number, or everything when none is given. */
export const selects = (selected: string[], id: string, number?: number): boolean =>
  selected.length === 0 ||
  selected.includes(id) ||
  (number !== undefined && selected.includes(String(number)));
