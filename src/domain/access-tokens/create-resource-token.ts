import { forbidden, invalidInput } from '../../errors.ts';
import { randomToken } from '../../crypto/random.ts';
import type { ResourceRef } from '@tessera/verify';
import type { Actor } from '../actors.ts';
import type { CreateResourceTokenInput, IssuedAccessToken } from './access-token.ts';
import { auditTokenChange } from './access-token-audit.ts';
import type { AccessTokenDeps } from './access-token-deps.ts';
import { viewOf } from './access-token-view.ts';
import { resolveExpiry } from './expiry.ts';
import { mintToken } from './mint-token.ts';
import { restoreEntry } from './token-entry-writes.ts';
import { ensureNameFree } from './token-names.ts';
import { resourceManager } from './token-ownership.ts';
import { checkKnownScopes, credentialBounds, missingFrom } from './token-scopes.ts';
import { parseResourceTokenRequest } from './token-request.ts';
import { recordTokenCreated } from '../events/token-events.ts';

/**
 * A resource access token: a new bot, a member of the resource with the token's role, and the
 * token that acts as it. The role is at most the creator's own, and the scopes are ones that apply
 * to the resource's type, that the role grants and that the creator holds there.
 */
export const createResourceToken = async (
  deps: AccessTokenDeps,
  actor: Actor,
  ref: ResourceRef,
  input: CreateResourceTokenInput,
): Promise<IssuedAccessToken> => {
  const { repositories, policy, now } = deps;
  const request = parseResourceTokenRequest(input, { maxLifetimeDays: deps.maxLifetimeDays, now });
  const { name, scopes, role } = request;
  const actorRole = await resourceManager(deps, actor, ref);
  if (!policy.isRole(role)) {
    throw invalidInput(`role must be one of ${policy.roles.join(', ')}`, 'role');
  }
  if (policy.roleRank(role) > policy.roleRank(actorRole)) {
    throw forbidden(`you cannot give a token the role ${role}: yours is ${actorRole}`, 'role');
  }
  checkKnownScopes(policy, scopes);
  const covered = policy.coveredTypes(ref.type);
  for (const scope of scopes) {
    const type = policy.scopeType(scope);
    if (type === undefined) {
      throw invalidInput(`resource access tokens cannot carry the management scope ${scope}`, 'scopes');
    }
    if (!covered.includes(type)) {
      throw invalidInput(`${scope} does not apply to a token on ${ref.type}/${ref.id}`, 'scopes');
    }
  }
  const beyondRole = missingFrom(policy, scopes, policy.allowedByRole(role, ref.type));
  if (beyondRole.length > 0) {
    throw invalidInput(`the role ${role} does not grant ${beyondRole.join(', ')}`, 'scopes');
  }
  const beyondActor = missingFrom(policy, scopes, policy.allowedByRole(actorRole, ref.type));
  if (beyondActor.length > 0) throw forbidden(`you do not hold ${beyondActor.join(', ')} here`, 'scopes');
  const ceiling = credentialBounds(policy, actor, scopes);
  const expiresAt = resolveExpiry(request, { now: now(), ceiling });
  const minted = mintToken('resource', deps.tokenHash);
  const botId = `bot_${randomToken(12)}`;

  const row = await repositories.transaction(async (tx) => {
    await ensureNameFree(tx, 'resource', { resource: ref }, name, now);
    await tx.subjects.insert({ id: botId, kind: 'bot', resourceType: ref.type, resourceId: ref.id });
    await tx.memberships.upsert({
      subjectId: botId,
      resourceType: ref.type,
      resourceId: ref.id,
      role: role,
    });
    const inserted = await tx.accessTokens.insert({
      id: `tok_${randomToken(12)}`,
      kind: 'resource',
      name,
      subjectId: botId,
      resourceType: ref.type,
      resourceId: ref.id,
      role: role,
      scopes: policy.sorted(scopes),
      audience: [],
      tokenHash: minted.tokenHash,
      displayHint: minted.displayHint,
      expiresAt,
      createdBy: actor.id,
      // The domain's clock, as every other time of the token (expiry, notices, idleness) is.
      createdAt: now(),
    });
    await auditTokenChange(tx, actor, 'access_token.create', inserted, { role: role });
    await recordTokenCreated(tx, actor, inserted, now());
    return inserted;
  });
  await restoreEntry(deps, row, now());
  return { token: minted.token, record: viewOf(row, now()) };
};
