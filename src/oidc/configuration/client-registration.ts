import { type Configuration, errors, Provider } from 'oidc-provider';
import type { CachedLookup } from '../../cache/cached-lookup.ts';
import type { AuditActor } from '../../domain/audit/audit-log.ts';
import type { Client } from '../../domain/clients/client.ts';
import { generateClientId, generateClientSecret } from '../../domain/clients/client-secret.ts';
import {
  RegistrationRefused,
  registrationInput,
  type RegistrationMetadata,
  type RegistrationMode,
} from '../../domain/clients/registration-metadata.ts';
import type { ClientService } from '../../domain/clients/client-service.ts';
import type { RegistrationTokenService } from '../../domain/registration/registration-token-service.ts';
import type { AdapterPayload, OidcAdapter, OidcAdapterFactory } from '../../storage/oidc-adapter/contract.ts';
import { REGISTERED_SCOPE_STATE, REQUESTED_SCOPE_STATE } from '../middleware/registration-body.ts';

/**
 * Dynamic client registration (RFC 7591) and its management protocol (RFC 7592), as oidc-provider
 * implements them at /reg, wired to Tessera's storage:
 *
 * - A registered client is an application in the clients table (ClientService.register): the
 *   library's Client adapter `upsert` and `destroy` land there, held to the same rules as a client
 *   an operator creates, with an audit event; the secret the library makes is kept as its hash.
 * - Initial access tokens are the operators' (`registration_tokens`, hashed): the library's
 *   InitialAccessToken model only reads them.
 * - Registration access tokens go to the SQL model store (Postgres, keyed by their hash), not the
 *   token store: they live as long as the client, and a Redis flush must not orphan it.
 */
export type RegistrationPolicy = {
  mode: 'off' | RegistrationMode;
  /** API identifiers every registered client may get tokens for (TESSERA_REGISTRATION_RESOURCES). */
  resources: string[];
};

export type ClientRegistrationDeps = {
  policy: RegistrationPolicy;
  clientService: Pick<ClientService, 'register' | 'remove'>;
  registrationTokens: Pick<RegistrationTokenService, 'findLive' | 'markUsed'>;
  /** A store that keeps what it is given (the SQL model store, in both profiles). */
  durableModels: OidcAdapterFactory;
};

export const registrationFeatures = (
  policy: RegistrationPolicy,
): Pick<NonNullable<Configuration['features']>, 'registration' | 'registrationManagement'> => {
  const enabled = policy.mode !== 'off';
  return {
    registration: {
      enabled,
      initialAccessToken: policy.mode === 'initial-access-token',
      idFactory: () => generateClientId(),
      // Recognisable by secret scanners, like every client secret Tessera makes (client-secret.ts).
      secretFactory: () => generateClientSecret(),
      issueRegistrationAccessToken: true,
    },
    // A registration access token is replaced at every update, so a copy that leaked stops working.
    registrationManagement: { enabled, rotateRegistrationAccessToken: true },
  };
};

const requestActor = (clientId: string): AuditActor => {
  const ctx = Provider.ctx;
  return {
    kind: 'client',
    id: clientId,
    meta: { ip: ctx?.ip, userAgent: ctx?.get('user-agent') || undefined },
  };
};

const refuse = (error: unknown): never => {
  if (error instanceof RegistrationRefused) throw new errors.InvalidClientMetadata(error.refusal.description);
  throw error;
};

/** The initial access token of this request (the library checked it is live), by its id. */
const initialAccessTokenId = async (deps: ClientRegistrationDeps): Promise<string | undefined> => {
  const presented = Provider.ctx?.oidc?.getAccessToken?.();
  return presented ? (await deps.registrationTokens.findLive(presented))?.id : undefined;
};

/** The Client adapter's writes: what RFC 7591 registration and RFC 7592 update and delete do. */
export const createRegisteredClientWrites = (
  deps: ClientRegistrationDeps,
  clients: CachedLookup<Client>,
): Pick<OidcAdapter, 'upsert' | 'destroy'> => ({
  async upsert(clientId, metadata) {
    const { mode, resources } = deps.policy;
    if (mode === 'off') throw new Error('dynamic client registration is off');
    const ctx = Provider.ctx;
    // `scope` bypasses the library's static scope check (middleware/registration-body.ts).
    const scope: unknown = ctx?.state[REQUESTED_SCOPE_STATE];
    const input = (() => {
      try {
        return registrationInput({ ...(metadata as RegistrationMetadata), scope }, { mode, resources });
      } catch (error) {
        return refuse(error);
      }
    })();
    let registeredVia = 'open';
    let tokenId: string | undefined;
    if (mode === 'initial-access-token') {
      tokenId = await initialAccessTokenId(deps);
      registeredVia = `initial_access_token:${tokenId ?? 'unknown'}`;
    }
    const secret = typeof metadata.client_secret === 'string' ? metadata.client_secret : null;
    const stored = await deps.clientService
      .register(requestActor(clientId), {
        clientId,
        // On an RFC 7592 update the library hands back what the adapter read: the hash, ignored.
        clientSecret: input.confidential ? secret : null,
        input,
        registeredVia,
      })
      .catch(refuse);
    if (ctx) ctx.state[REGISTERED_SCOPE_STATE] = stored.scopes.join(' ');
    clients.invalidate(clientId);
    // Only a new registration uses the token (an update presents a registration access token).
    if (tokenId && Provider.ctx?.oidc?.route === 'registration')
      await deps.registrationTokens.markUsed(tokenId);
  },
  async destroy(clientId) {
    await deps.clientService.remove(requestActor(clientId), clientId);
    clients.invalidate(clientId);
  },
});

const refuseWrite = async (): Promise<never> => {
  throw new Error('initial access tokens are created by operators (tessera registration-tokens create)');
};

/**
 * The library's InitialAccessToken model over the `registration_tokens` table: found by the
 * token's hash, live until it expires or is revoked.
 */
const initialAccessTokens = (tokens: ClientRegistrationDeps['registrationTokens']): OidcAdapter => ({
  async find(id): Promise<AdapterPayload | undefined> {
    const token = await tokens.findLive(id);
    if (!token) return undefined;
    return {
      jti: id,
      kind: 'InitialAccessToken',
      iat: Math.floor(token.createdAt.getTime() / 1000),
      ...(token.expiresAt ? { exp: Math.floor(token.expiresAt.getTime() / 1000) } : {}),
    };
  },
  findByUid: async () => undefined,
  findByUserCode: async () => undefined,
  upsert: refuseWrite,
  consume: refuseWrite,
  destroy: refuseWrite,
  revokeByGrantId: async () => {},
});

/** The adapters of the registration models, by model name; undefined for every other model. */
export const createRegistrationModels = (
  deps: ClientRegistrationDeps,
): ((model: string) => OidcAdapter | undefined) => {
  const initial = initialAccessTokens(deps.registrationTokens);
  const registration = deps.durableModels('RegistrationAccessToken');
  return (model) =>
    model === 'InitialAccessToken' ? initial : model === 'RegistrationAccessToken' ? registration : undefined;
};
