import { conflict } from '../../errors.ts';
import type { Repositories } from '../../storage/repositories.ts';
import type { ResourceRef } from '@tessera/verify';
import type { TokenKind } from '@tessera/verify/token-format';

/**
 * A token's name is unique among its owner's active tokens (its form is checked in
 * token-request.ts). Name checks are serialised per owner (inside `tx`) so two concurrent creates
 * cannot both take a name.
 */
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
