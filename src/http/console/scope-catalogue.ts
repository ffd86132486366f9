import type { Policy } from '../../domain/permissions/policy.ts';

/**
 * The scopes a token form offers, grouped by what they are about, each with a line that says what
 * it grants. Resource scopes come from the policy (its resource types); management scopes are
 * Tessera's own.
 */
export type ScopeChoice = { scope: string; description: string };
export type ScopeGroup = { title: string; scopes: ScopeChoice[] };

const MANAGEMENT_DESCRIPTIONS: Record<string, string> = {
  'tokens:read': 'See your access tokens.',
  'tokens:write': 'Create and delete access tokens. Includes tokens:read.',
  'resources:write': 'Sync resources and memberships into Tessera, as the platform does.',
  admin: "Administer Tessera: everyone's tokens, all resources and the audit log.",
};

const capitalised = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);

export const describeScope = (scope: string): string => {
  const management = MANAGEMENT_DESCRIPTIONS[scope];
  if (management) return management;
  const [type = scope, access] = scope.split(':');
  if (access === 'read-only') return `Read ${type} you have access to.`;
  if (access === 'read-write') return `Read and change ${type} you have access to. Includes read-only.`;
  return scope;
};

/** Every group of the catalogue, keeping only the scopes `offered` contains, and no empty group. */
export const scopeGroups = (policy: Policy, offered: ReadonlySet<string>): ScopeGroup[] => {
  const groups: ScopeGroup[] = policy.resourceTypes.map((type) => ({
    title: capitalised(type),
    scopes: [`${type}:read-only`, `${type}:read-write`].map((scope) => ({
      scope,
      description: describeScope(scope),
    })),
  }));
  groups.push({
    title: 'Tessera management API',
    scopes: Object.keys(MANAGEMENT_DESCRIPTIONS).map((scope) => ({
      scope,
      description: describeScope(scope),
    })),
  });
  return groups
    .map((group) => ({ ...group, scopes: group.scopes.filter((choice) => offered.has(choice.scope)) }))
    .filter((group) => group.scopes.length > 0);
};
