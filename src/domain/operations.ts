import type {
  CreatePersonalTokenInput,
  CreateResourceTokenInput,
  ListOptions,
} from './access-tokens/access-token.ts';
import type { ResourceRef } from '@tessera/verify';
import type { Actor } from './actors.ts';
import type { CreateApiResourceInput } from './api-resources/api-resource.ts';
import type { CreateClientInput, UpdateClientInput } from './clients/client.ts';
import type { ClientKeysInput } from './clients/client-keys.ts';
import type { SigningKey } from '../keys/signing-key.ts';
import type { Domain } from './create-domain.ts';
import type { WebhookInput } from './webhooks/webhook.ts';
import type { CreateRegistrationTokenInput } from './registration/registration-token-service.ts';

/**
 * The administrative operations, by name. The CLI runs them against its own storage, or — when an
 * embedded server owns the single-process PGlite database — asks that server to run them over its
 * control socket; either way the same function does the work, as the same operator actor.
 */
export const operations = {
  'api-resources.create': (d: Domain, a: Actor, input: CreateApiResourceInput) =>
    d.apiResources.create(a, input),
  'api-resources.list': (d: Domain) => d.apiResources.list(),
  'api-resources.get': (d: Domain, _a: Actor, input: { identifier: string }) =>
    d.apiResources.get(input.identifier),
  'api-resources.delete': (d: Domain, a: Actor, input: { identifier: string }) =>
    d.apiResources.remove(a, input.identifier),

  'clients.create': (d: Domain, a: Actor, input: CreateClientInput & ClientKeysInput) =>
    d.clients.create(a, input),
  'clients.list': (d: Domain) => d.clients.list(),
  'clients.get': (d: Domain, _a: Actor, input: { clientId: string }) => d.clients.get(input.clientId),
  'clients.delete': (d: Domain, a: Actor, input: { clientId: string }) => d.clients.remove(a, input.clientId),
  'clients.update': (
    d: Domain,
    a: Actor,
    input: { clientId: string; changes: UpdateClientInput & ClientKeysInput },
  ) => d.clients.update(a, input.clientId, input.changes),
  'clients.rotate-secret': (d: Domain, a: Actor, input: { clientId: string; keepOldForSeconds?: number }) =>
    d.clients.rotateSecret(a, input.clientId, { keepOldForSeconds: input.keepOldForSeconds }),

  'users.create': (
    d: Domain,
    a: Actor,
    input: { username: string; password: string; isAdmin?: boolean; email?: string },
  ) => d.users.create(a, input),
  'users.list': (d: Domain) => d.users.list(),
  'users.disable': (d: Domain, a: Actor, input: { username: string; disabled: boolean }) =>
    d.users.setDisabled(a, input.username, input.disabled),

  'resources.put': (
    d: Domain,
    a: Actor,
    input: { ref: ResourceRef; name: string; parent: ResourceRef | null },
  ) => d.resources.put(a, input.ref, { name: input.name, parent: input.parent }),
  'resources.delete': (d: Domain, a: Actor, input: { ref: ResourceRef }) => d.resources.remove(a, input.ref),
  'resources.members.list': (d: Domain, a: Actor, input: { ref: ResourceRef }) =>
    d.resources.listMembers(a, input.ref),
  'resources.members.put': (
    d: Domain,
    a: Actor,
    input: { ref: ResourceRef; subjectId: string; role: string },
  ) => d.resources.putMember(a, input.ref, input.subjectId, input.role),
  'resources.members.delete': (d: Domain, a: Actor, input: { ref: ResourceRef; subjectId: string }) =>
    d.resources.removeMember(a, input.ref, input.subjectId),

  'tokens.create-personal': (d: Domain, a: Actor, input: CreatePersonalTokenInput) =>
    d.accessTokens.createPersonal(a, input),
  'tokens.create-resource': (d: Domain, a: Actor, input: { ref: ResourceRef } & CreateResourceTokenInput) =>
    d.accessTokens.createForResource(a, input.ref, input),
  'tokens.list-personal': (d: Domain, a: Actor, input: ListOptions & { username: string }) =>
    d.accessTokens.listPersonal(a, input),
  'tokens.list-resource': (d: Domain, a: Actor, input: ListOptions & { ref: ResourceRef }) =>
    d.accessTokens.listForResource(a, input.ref, input),
  /** Revoking a revoked token changes nothing, and says so. */
  'tokens.revoke': async (d: Domain, a: Actor, input: { id: string }) => {
    const before = await d.accessTokens.getPersonal(a, input.id);
    const token = await d.accessTokens.revokePersonal(a, input.id);
    return { token, alreadyRevoked: before.revokedAt !== null };
  },
  'tokens.rotate': (d: Domain, a: Actor, input: { id: string }) => d.accessTokens.rotatePersonal(a, input.id),

  'keys.list': (d: Domain, a: Actor) => d.signingKeys.list(a),
  'keys.generate': (d: Domain, a: Actor, input: { force?: boolean }) => d.signingKeys.generate(a, input),
  'keys.rotate': (
    d: Domain,
    a: Actor,
    input: { activateInSeconds?: number | undefined; algs?: string[] | undefined },
  ) => d.signingKeys.rotate(a, input),
  'keys.retire': (
    d: Domain,
    a: Actor,
    input: { kid?: string | undefined; force?: boolean; maxTokenTtlSeconds?: number | undefined },
  ) => d.signingKeys.retire(a, input),
  'keys.import': (d: Domain, a: Actor, input: { keys: SigningKey[] }) => d.signingKeys.import(a, input.keys),
  'webhooks.create': (d: Domain, a: Actor, input: WebhookInput) => d.webhooks.create(a, input),
  'webhooks.list': (d: Domain, a: Actor) => d.webhooks.list(a),
  'webhooks.get': (d: Domain, a: Actor, input: { id: string }) => d.webhooks.get(a, input.id),
  'webhooks.update': (d: Domain, a: Actor, input: { id: string } & WebhookInput) =>
    d.webhooks.update(a, input.id, input),
  'webhooks.rotate-secret': (d: Domain, a: Actor, input: { id: string }) =>
    d.webhooks.rotateSecret(a, input.id),
  'webhooks.delete': (d: Domain, a: Actor, input: { id: string }) => d.webhooks.remove(a, input.id),
  'webhooks.deliveries': (d: Domain, a: Actor, input: { id: string; limit?: number }) =>
    d.webhooks.deliveries(a, input.id, input.limit === undefined ? {} : { limit: input.limit }),
  'webhooks.test': (d: Domain, a: Actor, input: { id: string }) => d.webhooks.sendTest(a, input.id),
  'registration-tokens.create': (d: Domain, a: Actor, input: CreateRegistrationTokenInput) =>
    d.registrationTokens.create(a, input),
  'registration-tokens.list': (d: Domain, a: Actor) => d.registrationTokens.list(a),
  'registration-tokens.revoke': (d: Domain, a: Actor, input: { id: string }) =>
    d.registrationTokens.revoke(a, input.id),
} as const;

export type OperationName = keyof typeof operations;
export type OperationInput<N extends OperationName> = Parameters<(typeof operations)[N]>[2];
export type OperationResult<N extends OperationName> = Awaited<ReturnType<(typeof operations)[N]>>;

export const isOperationName = (name: string): name is OperationName => Object.hasOwn(operations, name);

export const runOperation = <N extends OperationName>(
  domain: Domain,
  actor: Actor,
  name: N,
  input: OperationInput<N>,
): Promise<OperationResult<N>> =>
  (operations[name] as (d: Domain, a: Actor, input: OperationInput<N>) => Promise<OperationResult<N>>)(
    domain,
    actor,
    input,
  );
