import { forbidden, invalidInput } from '../../errors.ts';
import type { Actor } from '../actors.ts';
import type { Policy } from '../permissions/policy.ts';

/** The scopes a new token asks for: a non-empty list of names, each once. */
export const scopeList = (scopes: unknown): string[] => {
  if (!Array.isArray(scopes) || scopes.length === 0 || scopes.some((scope) => typeof scope !== 'string')) {
    throw invalidInput('scopes must be a non-empty list of scope names', 'scopes');
  }
  return [...new Set(scopes as string[])];
};

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
