import { clientCredentialsJwt, clientCredentialsOpaque } from './client-credentials.ts';
import { introspectionOpaque } from './introspection.ts';
import { scaleClients } from './scale-clients.ts';
import { scaleIntrospection } from './scale-introspection.ts';
import type { Scenario } from './scenario.ts';

/**
 * Every scenario of issue 6, in the order they run. The ones whose feature does not exist yet are
 * listed with what they wait for; each becomes a module of its own (a `compared` or
 * `tessera-only` scenario) when it lands.
 */
export const SCENARIOS: Scenario[] = [
  clientCredentialsJwt,
  clientCredentialsOpaque,
  introspectionOpaque,
  {
    kind: 'unavailable',
    id: 'introspection-pat-rat',
    number: 4,
    title: 'introspection of a PAT, and of a RAT (effective scope recomputed)',
    reason: 'personal and resource access tokens are not served by Tessera yet',
  },
  {
    kind: 'unavailable',
    id: 'token-exchange',
    number: 5,
    title: 'token exchange PAT → JWT',
    reason: 'the token-exchange grant does not exist yet',
  },
  {
    kind: 'unavailable',
    id: 'verify',
    number: 6,
    title: 'relying-party verification of a JWT with tessera/verify (in-process, per core)',
    reason: 'tessera/verify is not a published entry point yet',
  },
  {
    kind: 'unavailable',
    id: 'management-access-tokens',
    number: 7,
    title: 'POST /v1/access-tokens (management API, create + shown once)',
    reason: 'the management API is not served yet',
  },
  scaleIntrospection,
  scaleClients,
  {
    kind: 'unavailable',
    id: 'scale-pat-memory',
    number: 8,
    title: 'scale: Redis memory per PAT',
    reason: 'PATs do not exist yet',
  },
  {
    kind: 'unavailable',
    id: 'workers',
    number: 9,
    title: 'the same scenarios with 2 worker processes vs 1',
    reason: '`tessera serve` has no --workers option yet',
  },
];

/** Limits measured in the same run, selectable like scenarios. */
export const LIMITS = ['es256', 'koa'] as const;

/** Whether `--scenario` selects an id: by id, by number, or everything when none is given. */
export const selects = (selected: string[], id: string, number?: number): boolean =>
  selected.length === 0 ||
  selected.includes(id) ||
  (number !== undefined && selected.includes(String(number)));
