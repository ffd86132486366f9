import { forbidden, invalidInput } from '../../errors.ts';
import { randomToken } from '../../crypto/random.ts';
import type { Actor } from '../actors.ts';
import type { CreatePersonalTokenInput, IssuedAccessToken } from './access-token.ts';
import { auditTokenChange } from './access-token-audit.ts';
import type { AccessTokenDeps } from './access-token-deps.ts';
import { viewOf } from './access-token-view.ts';
import { resolveExpiry } from './expiry.ts';
import { mintToken } from './mint-token.ts';
import { restoreEntry } from './token-entry-writes.ts';
import { ensureNameFree } from './token-names.ts';
import { personalOwner } from './token-ownership.ts';
import { checkKnownScopes, credentialBounds, missingFrom } from './token-scopes.ts';
import { parsePersonalTokenRequest } from './token-request.ts';
import { recordTokenCreated } from '../events/token-events.ts';

/**
 * A personal access token: for its owner (an operator may name any user), with scopes the owner
 * holds, restricted to known API resources when an audience is given, and never beyond the token
 * it is created with.
 */
export const createPersonalToken = async (
  deps: AccessTokenDeps,
  actor: Actor,
  input: CreatePersonalTokenInput,
): Promise<IssuedAccessToken> => {
  const { repositories, permissions, policy, now } = deps;
  const request = parsePersonalTokenRequest(input, { maxLifetimeDays: deps.maxLifetimeDays, now });
  const { name, scopes, audience } = request;
  const ownerId = await personalOwner(deps, actor, input.username);
  checkKnownScopes(policy, scopes);
  const owner = await permissions.of(ownerId);
  if (!permissions.isActive(owner)) throw forbidden('the owner is disabled');
  const notHeld = missingFrom(policy, scopes, permissions.holdings(owner));
  if (notHeld.length > 0) throw forbidden(`the owner does not hold ${notHeld.join(', ')}`, 'scopes');
  const ceiling = credentialBounds(policy, actor, scopes);
  for (const identifier of audience) {
    if (!(await repositories.apiResources.findByIdentifier(identifier))) {
      throw invalidInput(`audience names an unknown API resource: ${identifier}`, 'audience');
    }
  }
  const expiresAt = resolveExpiry(request, { now: now(), ceiling });
  const minted = mintToken('personal', deps.tokenHash);

  const row = await repositories.transaction(async (tx) => {
    await ensureNameFree(tx, 'personal', { subjectId: ownerId }, name, now);
    const inserted = await tx.accessTokens.insert({
      id: `tok_${randomToken(12)}`,
      kind: 'personal',
      name,
      subjectId: ownerId,
      resourceType: null,
      resourceId: null,
      role: null,
      scopes: policy.sorted(scopes),
      audience,
      tokenHash: minted.tokenHash,
      displayHint: minted.displayHint,
      expiresAt,
      createdBy: actor.id,
      // The domain's clock, as every other time of the token (expiry, notices, idleness) is.
      createdAt: now(),
    });
    await auditTokenChange(tx, actor, 'access_token.create', inserted);
    await recordTokenCreated(tx, actor, inserted, now());
    return inserted;
  });
  await restoreEntry(deps, row, now());
  return { token: minted.token, record: viewOf(row, now()) };
};
