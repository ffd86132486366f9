import { z } from 'zod';

/**
 * What roles allow on which resource types: the scope catalogue and the role matrix.
 *
 * Resource scopes are `<type>:read-only` and `<type>:read-write`; read-write implies read-only.
 * Management scopes guard Tessera's own API. A membership on a resource applies to its
 * sub-resources, so a role on a resource type also covers the types that can sit below it.
 * The default follows DESIGN.md; an operator can replace it with TESSERA_POLICY_FILE.
 */
export const MANAGEMENT_SCOPES = ['tokens:read', 'tokens:write', 'resources:write', 'admin'] as const;
export type Access = 'read-write' | 'read-only' | 'none';

const name = z.string().regex(/^[a-z][a-z0-9-]{0,39}$/, 'must be lowercase letters, digits and dashes');

export const policyDefinition = z
  .object({
    resourceTypes: z
      .array(z.object({ name, parents: z.array(name), root: z.boolean() }))
      .min(1, 'needs at least one resource type'),
    /** Highest first. */
    roles: z.array(name).min(1, 'needs at least one role'),
    /** Roles that may create resource access tokens on a resource. */
    tokenCreatorRoles: z.array(name),
    matrix: z.record(name, z.record(name, z.enum(['read-write', 'read-only', 'none']))),
  })
  .superRefine((policy, ctx) => {
    const types = new Set(policy.resourceTypes.map((type) => type.name));
    for (const type of policy.resourceTypes) {
      for (const parent of type.parents) {
        if (!types.has(parent))
          ctx.addIssue({ code: 'custom', message: `${type.name} has unknown parent type ${parent}` });
      }
    }
    for (const role of [...policy.tokenCreatorRoles, ...Object.keys(policy.matrix)]) {
      if (!policy.roles.includes(role)) ctx.addIssue({ code: 'custom', message: `unknown role ${role}` });
    }
    for (const role of policy.roles) {
      for (const type of Object.keys(policy.matrix[role] ?? {})) {
        if (!types.has(type))
          ctx.addIssue({ code: 'custom', message: `matrix names unknown resource type ${type}` });
      }
    }
  });

export type PolicyDefinition = z.infer<typeof policyDefinition>;

export const DEFAULT_POLICY: PolicyDefinition = {
  resourceTypes: [
    { name: 'groups', parents: ['groups'], root: true },
    { name: 'applications', parents: ['groups'], root: false },
    { name: 'instances', parents: ['applications'], root: false },
  ],
  roles: ['owner', 'maintainer', 'developer', 'guest'],
  tokenCreatorRoles: ['owner', 'maintainer'],
  matrix: {
    owner: { groups: 'read-write', applications: 'read-write', instances: 'read-write' },
    maintainer: { groups: 'read-write', applications: 'read-write', instances: 'read-write' },
    developer: { groups: 'read-only', applications: 'read-write', instances: 'read-write' },
    guest: { groups: 'read-only', applications: 'read-only', instances: 'read-only' },
  },
};

export type Policy = ReturnType<typeof createPolicy>;

export const createPolicy = (definition: PolicyDefinition = DEFAULT_POLICY) => {
  const typeNames = definition.resourceTypes.map((type) => type.name);
  const parentsOf = new Map(definition.resourceTypes.map((type) => [type.name, new Set(type.parents)]));
  const resourceScopes = typeNames.flatMap((type) => [`${type}:read-only`, `${type}:read-write`]);
  const allScopes = [...resourceScopes, ...MANAGEMENT_SCOPES];
  const order = new Map(allScopes.map((scope, index) => [scope, index]));

  /** The type itself and every type that can sit below it, at any depth. */
  const coveredTypes = (type: string): string[] => {
    const covered = new Set([type]);
    for (let grew = true; grew;) {
      grew = false;
      for (const [child, parents] of parentsOf) {
        if (!covered.has(child) && [...parents].some((parent) => covered.has(parent))) {
          covered.add(child);
          grew = true;
        }
      }
    }
    return typeNames.filter((name) => covered.has(name));
  };

  /** Adds what each scope implies: `X:read-write` → `X:read-only`, `tokens:write` → `tokens:read`. */
  const expand = (scopes: Iterable<string>): Set<string> => {
    const expanded = new Set<string>();
    for (const scope of scopes) {
      expanded.add(scope);
      if (scope.endsWith(':read-write')) expanded.add(scope.replace(/:read-write$/, ':read-only'));
      if (scope === 'tokens:write') expanded.add('tokens:read');
    }
    return expanded;
  };

  const sorted = (scopes: Iterable<string>): string[] =>
    [...scopes].sort((a, b) => (order.get(a) ?? Infinity) - (order.get(b) ?? Infinity) || a.localeCompare(b));

  /**
   * Resource scopes a role grants on a resource of `type` and everything below it. The policy never
   * changes while the process runs, so each answer is worked out once: introspection of a RAT
   * asks on every request.
   */
  const granted = new Map<string, ReadonlySet<string>>();
  const allowedByRole = (role: string, type: string): ReadonlySet<string> => {
    const key = `${role}\u0000${type}`;
    let scopes = granted.get(key);
    if (!scopes) {
      const row = definition.matrix[role] ?? {};
      const held: string[] = [];
      for (const covered of coveredTypes(type)) {
        const access = row[covered] ?? 'none';
        if (access !== 'none') held.push(`${covered}:${access}`);
      }
      scopes = expand(held);
      granted.set(key, scopes);
    }
    return scopes;
  };

  return {
    definition,
    resourceTypes: typeNames,
    roles: definition.roles,
    resourceScopes,
    allScopes,
    isResourceType: (type: string) => parentsOf.has(type),
    isRole: (role: string) => definition.roles.includes(role),
    isKnownScope: (scope: string) => order.has(scope),
    isManagementScope: (scope: string) => (MANAGEMENT_SCOPES as readonly string[]).includes(scope),
    /** Whether a resource of `type` may sit under a parent of `parentType` (undefined: at the root). */
    mayNest: (type: string, parentType: string | undefined) =>
      parentType === undefined
        ? definition.resourceTypes.some((entry) => entry.name === type && entry.root)
        : (parentsOf.get(type)?.has(parentType) ?? false),
    coveredTypes,
    /** The resource type a scope is about, or undefined for management scopes. */
    scopeType: (scope: string) =>
      scope.includes(':') && !scope.startsWith('tokens:') ? scope.split(':')[0] : undefined,
    /** Higher is more: owner > maintainer > developer > guest. */
    roleRank: (role: string) => definition.roles.length - definition.roles.indexOf(role),
    mayCreateResourceTokens: (role: string) => definition.tokenCreatorRoles.includes(role),
    allowedByRole,
    expand,
    sorted,
  };
};
