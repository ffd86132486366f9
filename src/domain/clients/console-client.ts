import { isDeepStrictEqual } from 'node:util';
import type { ChangeBus } from '../../storage/change-bus.ts';
import type { Repositories } from '../../storage/repositories.ts';
import type { Client } from './client.ts';
import { MANAGEMENT_API } from '../api-resources/management-api.ts';
import { CLIENTS_TOPIC } from './client-service.ts';
import { CONSOLE_CLIENT_ID } from '../built-ins.ts';

export { CONSOLE_CLIENT_ID };

/**
 * The console (`/console`) signs people in with authorization code + PKCE against Tessera itself.
 * It is a first-party public client: no secret (its code exchange runs on the server, but a secret
 * known to every instance would add nothing PKCE does not give), consent skipped, and access to the
 * management API limited to what managing one's own tokens needs — plus `admin` for the Webhooks
 * page, which only administrators' tokens get (a token's scopes are cut to what its user holds).
 */
export const CONSOLE_SCOPES = ['tokens:read', 'tokens:write', 'admin'] as const;

type ConsoleClientDefinition = {
  clientId: string;
  name: string;
  secretHash: string | null;
  grantTypes: string[];
  resources: string[];
  scopes: string[];
  introspects: string[];
  redirectUris: string[];
  postLogoutRedirectUris: string[];
  tokenEndpointAuthMethod: string;
  firstParty: boolean;
};

export const consoleRedirectUri = (issuer: string) => `${issuer}/console/callback`;
export const consolePostLogoutUri = (issuer: string) => `${issuer}/console/signed-out`;

const definition = (issuer: string): ConsoleClientDefinition => ({
  clientId: CONSOLE_CLIENT_ID,
  name: 'Tessera console',
  secretHash: null,
  grantTypes: ['authorization_code', 'refresh_token'],
  resources: [MANAGEMENT_API],
  scopes: [...CONSOLE_SCOPES],
  introspects: [],
  redirectUris: [consoleRedirectUri(issuer)],
  postLogoutRedirectUris: [consolePostLogoutUri(issuer)],
  tokenEndpointAuthMethod: 'none',
  firstParty: true,
});

const definitionOf = (client: Client): ConsoleClientDefinition => ({
  clientId: client.clientId,
  name: client.name,
  secretHash: client.secretHash,
  grantTypes: client.grantTypes,
  resources: client.resources,
  scopes: client.scopes,
  introspects: client.introspects,
  redirectUris: client.redirectUris,
  postLogoutRedirectUris: client.postLogoutRedirectUris,
  tokenEndpointAuthMethod: client.tokenEndpointAuthMethod,
  firstParty: client.firstParty,
});

/**
 * Makes the console client match this server's issuer, at every start: a changed issuer moves its
 * redirect URIs, an operator's edits or deletion are undone. Unchanged, it writes nothing, so N
 * instances starting together do not churn the record or every cache.
 */
export const ensureConsoleClient = async (
  deps: { repositories: Repositories; changes: ChangeBus },
  issuer: string,
): Promise<Client> => {
  const wanted = definition(issuer);
  const existing = await deps.repositories.clients.findById(CONSOLE_CLIENT_ID);
  if (existing && isDeepStrictEqual(definitionOf(existing), wanted)) return existing;
  const client = await deps.repositories.clients.upsert(wanted);
  await deps.changes.publish(CLIENTS_TOPIC, CONSOLE_CLIENT_ID);
  return client;
};
