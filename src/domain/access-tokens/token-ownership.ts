import { AppError, forbidden, invalidInput, notFound } from '../../errors.ts';
import type { AccessTokenRow } from '../../storage/tables/access-tokens.ts';
import type { ResourceRef } from '@tessera/verify';
import type { Actor } from '../actors.ts';
import type { AccessTokenDeps } from './access-token-deps.ts';

/**
 * Who owns which token, and who may manage it. Another user's token, or a resource the caller is
 * no member of, is "not found", never "forbidden": its existence is none of the caller's business.
 */
type Deps = Pick<AccessTokenDeps, 'repositories' | 'permissions' | 'policy'>;

const NOT_FOR_BOTS = 'a resource access token cannot manage access tokens';
const NOT_FOR_CLIENTS = 'personal access tokens belong to people: use a user token';

/** The subject whose personal tokens the actor manages: their own, or (operators) the named user's. */
export const personalOwner = async (
  deps: Deps,
  actor: Actor,
  username: string | undefined,
): Promise<string> => {
  if (actor.kind === 'operator') {
    if (!username) throw invalidInput('username is required', 'username');
    const user = await deps.repositories.subjects.findUserByUsername(username);
    if (!user) throw notFound(`no user named ${username}`);
    return user.id;
  }
  if (actor.kind === 'bot') throw forbidden(NOT_FOR_BOTS);
  if (actor.kind === 'client') throw forbidden(NOT_FOR_CLIENTS);
  if (username !== undefined) throw invalidInput('username is only for operators', 'username');
  return actor.id;
};

/** A personal token the actor may see: their own (operators: anyone's). */
export const findPersonal = async (deps: Deps, actor: Actor, id: string): Promise<AccessTokenRow> => {
  if (actor.kind === 'bot') throw forbidden(NOT_FOR_BOTS);
  if (actor.kind === 'client') throw forbidden(NOT_FOR_CLIENTS);
  const row = await deps.repositories.accessTokens.findById(id);
  if (!row || (actor.kind === 'user' && (row.kind !== 'personal' || row.subjectId !== actor.id))) {
    throw notFound(`no access token ${id}`);
  }
  return row;
};

const failUnknown = (subjectId: string): never => {
  throw new AppError('unauthorized', `unknown subject ${subjectId}`);
};

/** The actor's role on the resource, when it may manage the resource's tokens. */
export const resourceManager = async (deps: Deps, actor: Actor, ref: ResourceRef): Promise<string> => {
  const { permissions, policy } = deps;
  const resource = await deps.repositories.resources.find(ref.type, ref.id);
  if (!resource) throw notFound(`no resource ${ref.type}/${ref.id}`);
  if (actor.kind === 'operator') return policy.roles[0] as string;
  if (actor.kind === 'bot') throw forbidden(NOT_FOR_BOTS);
  if (actor.kind === 'client') {
    if (actor.credential.scopes.includes('admin')) return policy.roles[0] as string;
    throw forbidden('resource access tokens are managed by the resource maintainers');
  }
  const role = await permissions.roleOn(
    await permissions.of(actor.id).then((p) => p ?? failUnknown(actor.id)),
    ref,
  );
  if (!role) throw notFound(`no resource ${ref.type}/${ref.id}`);
  if (!policy.mayCreateResourceTokens(role)) {
    throw forbidden(
      `managing access tokens of ${ref.type}/${ref.id} needs the role ${policy.definition.tokenCreatorRoles.join(' or ')}; you are ${role}`,
    );
  }
  return role;
};

/** A token of a resource whose tokens the actor may manage. */
export const findOfResource = async (
  deps: Deps,
  actor: Actor,
  ref: ResourceRef,
  id: string,
): Promise<AccessTokenRow> => {
  await resourceManager(deps, actor, ref);
  const row = await deps.repositories.accessTokens.findById(id);
  if (!row || row.kind !== 'resource' || row.resourceType !== ref.type || row.resourceId !== ref.id) {
    throw notFound(`no access token ${id} on ${ref.type}/${ref.id}`);
  }
  return row;
};
