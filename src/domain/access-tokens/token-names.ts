import { conflict } from '../../errors.ts';
import type { Repositories } from '../../storage/repositories.ts';
import type { ResourceRef } from '../../verify/principal.ts';
import type { TokenKind } from '../../verify/token-format.ts';
import { displayName } from '../api-resources/api-resource.ts';
import { parseInput } from '../validation.ts';

/** A token's name: a display name, unique among its owner's active tokens. */
export const checkName = (name: unknown): string => parseInput(displayName, name);

/** Serialises name checks per owner (inside `tx`) so two concurrent creates cannot both take a name. */
export const ensureNameFree = async (
  tx: Repositories,
  kind: TokenKind,
  owner: { subjectId?: string; resource?: ResourceRef },
  name: string,
  now: () => Date,
): Promise<void> => {
  await tx.locks.forTransaction(
    `access-token-names:${owner.subjectId ?? `${owner.resource?.type}/${owner.resource?.id}`}`,
  );
  if (await tx.accessTokens.findActiveByName({ kind, ...owner, name, now: now() })) {
    throw conflict(`an active token named "${name}" already exists`, 'name');
  }
};
