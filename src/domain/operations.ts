import type { CreateApiResourceInput } from './api-resources/api-resource.ts';
import type { CreateClientInput } from './clients/client.ts';
import type { Domain } from './create-domain.ts';

/**
 * The administrative operations, by name. The CLI runs them against its own storage, or — when an
 * embedded server owns the single-process PGlite database — asks that server to run them over its
 * control socket; either way the same function does the work.
 */
export const operations = {
  'api-resources.create': (domain: Domain, input: CreateApiResourceInput) =>
    domain.apiResources.create(input),
  'api-resources.list': (domain: Domain) => domain.apiResources.list(),
  'api-resources.get': (domain: Domain, input: { identifier: string }) =>
    domain.apiResources.get(input.identifier),
  'api-resources.delete': (domain: Domain, input: { identifier: string }) =>
    domain.apiResources.remove(input.identifier),
  'clients.create': (domain: Domain, input: CreateClientInput) => domain.clients.create(input),
  'clients.list': (domain: Domain) => domain.clients.list(),
  'clients.get': (domain: Domain, input: { clientId: string }) => domain.clients.get(input.clientId),
  'clients.delete': (domain: Domain, input: { clientId: string }) => domain.clients.remove(input.clientId),
  'clients.rotate-secret': (domain: Domain, input: { clientId: string }) =>
    domain.clients.rotateSecret(input.clientId),
} as const;

export type OperationName = keyof typeof operations;
export type OperationInput<N extends OperationName> = Parameters<(typeof operations)[N]>[1];
export type OperationResult<N extends OperationName> = Awaited<ReturnType<(typeof operations)[N]>>;

export const isOperationName = (name: string): name is OperationName => Object.hasOwn(operations, name);

export const runOperation = <N extends OperationName>(
  domain: Domain,
  name: N,
  input: OperationInput<N>,
): Promise<OperationResult<N>> =>
  (operations[name] as (domain: Domain, input: OperationInput<N>) => Promise<OperationResult<N>>)(
    domain,
    input,
  );
