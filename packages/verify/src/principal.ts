/**
 * Who a verified token speaks for, and what it may do. `can` answers with the rules Tessera itself
 * uses (src/domain/permissions/policy.ts), restated here because this library ships on its own:
 * `<type>:read-write` implies `<type>:read-only` (and `tokens:write` implies `tokens:read`), and a
 * resource access token acts on its own resource and that resource's sub-resources only.
 */
export type TokenKind = 'client' | 'personal' | 'resource';

export type ResourceRef = { type: string; id: string };

/** The resource an action touches, with its ancestors (nearest first or any order) when it has any. */
export type ResourceTarget = ResourceRef & { ancestors?: readonly ResourceRef[] };

export type Principal = {
  /** `sub`: the client (client credentials), the person (PAT) or the bot (RAT). */
  subject: string;
  /**
   * `client_id`: the OAuth client the token was issued to — the service itself (client
   * credentials), or the client that exchanged a PAT or RAT for a JWT (RFC 8693). Absent when a PAT
   * or RAT is presented as is: no client holds those.
   */
  clientId?: string;
  /** The token's effective scopes, as Tessera granted them. */
  scopes: string[];
  /** Tessera's public id of a PAT or RAT (`tok_…`), also carried by a JWT exchanged for one (`token_id`). */
  tokenId?: string;
  /** What speaks: a client, or a PAT or RAT — presented as is or exchanged for a JWT (`token_kind`). */
  kind: TokenKind;
  /** RATs: the one resource the token acts on (with its sub-resources). */
  resource?: ResourceRef;
  /** RATs: the role the token's bot holds on its resource. */
  role?: string;
  /** Absent when the token never expires. */
  expiresAt?: Date;
  /** Every claim (JWT) or introspection member, as received. */
  claims: Readonly<Record<string, unknown>>;
  can(scope: string, target?: ResourceTarget): boolean;
};

export type PrincipalFields = Omit<Principal, 'can'>;

/** The scopes a token holds once implications are added. */
export const impliedScopes = (scopes: Iterable<string>): Set<string> => {
  const held = new Set<string>();
  for (const scope of scopes) {
    held.add(scope);
    if (scope.endsWith(':read-write')) held.add(`${scope.slice(0, -':read-write'.length)}:read-only`);
    if (scope === 'tokens:write') held.add('tokens:read');
  }
  return held;
};

const sameResource = (a: ResourceRef, b: ResourceRef): boolean =>
  String(a.type) === String(b.type) && String(a.id) === String(b.id);

/** Whether a RAT bound to `own` may act on `target`: its own resource, or one below it. */
export const covers = (own: ResourceRef, target: ResourceTarget): boolean =>
  sameResource(own, target) || (target.ancestors ?? []).some((ancestor) => sameResource(own, ancestor));

export const createPrincipal = (fields: PrincipalFields): Principal => {
  const held = impliedScopes(fields.scopes);
  return Object.freeze({
    ...fields,
    scopes: [...fields.scopes],
    claims: Object.freeze({ ...fields.claims }),
    can(scope: string, target?: ResourceTarget): boolean {
      if (!held.has(scope)) return false;
      if (fields.kind !== 'resource') return true;
      // A RAT has no say outside its resource, and an action that names no resource is outside it.
      if (!fields.resource || !target) return false;
      return covers(fields.resource, target);
    },
  });
};
