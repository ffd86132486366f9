import { forbidden, invalidInput } from '../../errors.ts';
import type { Actor } from '../actors.ts';
import type { Policy } from '../permissions/policy.ts';

export const checkKnownScopes = (policy: Policy, scopes: string[]): void => {
  const unknown = scopes.filter((scope) => !policy.isKnownScope(scope));
  if (unknown.length > 0) {
    throw invalidInput(
      `unknown scope(s) ${unknown.join(', ')}; known: ${policy.allScopes.join(', ')}`,
      'scopes',
    );
  }
};

/** The scopes (with what they imply) that `held` lacks. */
export const missingFrom = (policy: Policy, scopes: string[], held: ReadonlySet<string>): string[] =>
  [...policy.expand(scopes)].filter((scope) => !held.has(scope));

/**
 * A token used to make a token bounds what it makes: its scopes, checked here, and its lifetime,
 * returned as the new token's latest expiry (undefined: no bound).
 */
export const credentialBounds = (policy: Policy, actor: Actor, scopes: string[]): Date | null | undefined => {
  if (actor.kind === 'operator' || actor.credential.type === 'jwt') return undefined;
  const beyond = missingFrom(policy, scopes, new Set(actor.credential.scopes));
  if (beyond.length > 0) {
    throw forbidden(`the token you are using does not carry ${beyond.join(', ')}`, 'scopes');
  }
  return actor.credential.expiresAt;
};
