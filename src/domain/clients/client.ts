import { z } from 'zod';
import { displayName, resourceIndicator, scopeTokens } from '../api-resources/api-resource.ts';

/**
 * Grant types a client registered through Tessera may use. Token exchange (RFC 8693) turns a
 * personal or resource access token into a short-lived JWT for one of the client's APIs.
 */
export const TOKEN_EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';
export const GRANT_TYPES = ['client_credentials', TOKEN_EXCHANGE] as const;
export type GrantType = (typeof GRANT_TYPES)[number];
const RESOURCE_GRANTS: readonly string[] = ['client_credentials', TOKEN_EXCHANGE];

/**
 * An OAuth client, as the token endpoint, introspection and the console's sign-in read it. The
 * secret is never part of it: only its keyed hash (see client-secret.ts), which client
 * authentication compares a presented secret against; a public client (the console) has none.
 */
export type Client = {
  clientId: string;
  name: string;
  secretHash: string | null;
  grantTypes: string[];
  /** API identifiers the client may get tokens for; the first is its default audience. */
  resources: string[];
  scopes: string[];
  /** API identifiers whose tokens this client may introspect (a resource server's own client). */
  introspects: string[];
  redirectUris: string[];
  postLogoutRedirectUris: string[];
  tokenEndpointAuthMethod: string;
  /** Tessera's own clients (the console): consent is implied. */
  firstParty: boolean;
  createdAt: Date;
  updatedAt: Date;
  secretRotatedAt: Date | null;
};

/** A client as operators see it (CLI, control socket): not even the secret's hash leaves the domain. */
export type ClientView = Pick<
  Client,
  | 'clientId'
  | 'name'
  | 'grantTypes'
  | 'resources'
  | 'scopes'
  | 'introspects'
  | 'createdAt'
  | 'updatedAt'
  | 'secretRotatedAt'
>;

/** What `clients create` and `clients rotate-secret` return: the only time the secret is shown. */
export type ClientWithSecret = { clientId: string; clientSecret: string; client: ClientView };

const uniqueList = <T extends z.ZodType<string>>(item: T) =>
  z.array(item).transform((values) => [...new Set(values)]);

export const createClientInput = z
  .object({
    name: displayName,
    grantTypes: z
      .array(z.enum(GRANT_TYPES, { message: `must be one of: ${GRANT_TYPES.join(', ')}` }))
      .min(1, 'must name at least one grant type')
      .transform((values) => [...new Set(values)]),
    resources: uniqueList(resourceIndicator).default([]),
    scopes: scopeTokens.transform((values) => [...new Set(values)]).default([]),
    introspects: uniqueList(resourceIndicator).default([]),
  })
  // These grants mint tokens for the client's APIs only: without one, every request would fail.
  .refine(
    (input) =>
      input.resources.length > 0 || !input.grantTypes.some((grant) => RESOURCE_GRANTS.includes(grant)),
    {
      message: 'must name at least one API resource for the client_credentials and token exchange grants',
      path: ['resources'],
    },
  );

export type CreateClientInput = z.input<typeof createClientInput>;
