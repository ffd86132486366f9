import type { ResourceRef } from '@tessera/verify';
import type { TokenKind } from '@tessera/verify/token-format';
import type { RevocationReason } from '../events/event-types.ts';
import type { Actor } from '../actors.ts';
import type { AuditActor } from '../audit/audit-log.ts';
import type { LeakOutcome, LeakReport } from './revoke-leaked-token.ts';

export type TokenState = 'active' | 'expired' | 'revoked';
export type StateFilter = TokenState | 'all';

/** What anyone may see of a PAT or RAT: metadata and a display hint, never the token. */
export type AccessTokenView = {
  id: string;
  kind: TokenKind;
  name: string;
  scopes: string[];
  audience: string[];
  state: TokenState;
  displayHint: string;
  createdAt: Date;
  createdBy: string;
  expiresAt: Date | null;
  lastUsedAt: Date | null;
  lastUsedIp: string | null;
  rotatedAt: Date | null;
  revokedAt: Date | null;
  /** RATs: the resource, the bot the token acts as, and the role it was created with. */
  resource?: ResourceRef;
  botId?: string;
  role?: string;
};

/** The token string appears here, in the create and rotate results, and nowhere else. */
export type IssuedAccessToken = { token: string; record: AccessTokenView };

export type Expiry = {
  /** A calendar date (YYYY-MM-DD): the token expires at the end of that day, UTC. */
  expiresAt?: string | undefined;
  /** Whole days from now. */
  expiresInDays?: number | undefined;
};

export type CreatePersonalTokenInput = Expiry & {
  name: string;
  scopes: string[];
  audience?: string[] | undefined;
  /** Operators (CLI) create tokens for a user by username; everyone else for themselves. */
  username?: string | undefined;
};

export type CreateResourceTokenInput = Expiry & { name: string; role: string; scopes: string[] };

export type Page<T> = { items: T[]; nextCursor: string | null };
export type ListOptions = {
  state?: StateFilter | undefined;
  limit?: number | undefined;
  cursor?: string | undefined;
};

/** The management API and CLI call these; each checks what the actor may do. */
export type AccessTokenService = {
  createPersonal(actor: Actor, input: CreatePersonalTokenInput): Promise<IssuedAccessToken>;
  listPersonal(actor: Actor, options: ListOptions & { username?: string }): Promise<Page<AccessTokenView>>;
  getPersonal(actor: Actor, id: string): Promise<AccessTokenView>;
  revokePersonal(actor: Actor, id: string): Promise<AccessTokenView>;
  rotatePersonal(actor: Actor, id: string): Promise<IssuedAccessToken>;

  createForResource(
    actor: Actor,
    resource: ResourceRef,
    input: CreateResourceTokenInput,
  ): Promise<IssuedAccessToken>;
  listForResource(actor: Actor, resource: ResourceRef, options: ListOptions): Promise<Page<AccessTokenView>>;
  getForResource(actor: Actor, resource: ResourceRef, id: string): Promise<AccessTokenView>;
  revokeForResource(actor: Actor, resource: ResourceRef, id: string): Promise<AccessTokenView>;
  rotateForResource(actor: Actor, resource: ResourceRef, id: string): Promise<IssuedAccessToken>;

  /** A token string reported as leaked: revoked whoever owns it (revoke-leaked-token.ts). */
  revokeLeaked(reporter: AuditActor, token: string, report: LeakReport): Promise<LeakOutcome>;
  /**
   * Tessera's own revocations, not a caller's: the idle-token policy, a leaked-token report. No
   * ownership check (the caller is the policy); `reason` goes into the audit event and `token.revoked`.
   */
  revokeByPolicy(actor: Actor, id: string, reason: RevocationReason): Promise<AccessTokenView>;
};
