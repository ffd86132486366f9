/**
 * Who is asking. Every domain operation that changes or reveals access-token data takes an actor:
 * it decides what the operation may do, and it is what the audit log records.
 */
export type RequestMeta = { ip?: string | undefined; userAgent?: string | undefined };

/** The credential the caller presented, with its effective scopes (already intersected with holdings). */
export type Credential =
  | { type: 'jwt'; tokenId: string; clientId: string; scopes: readonly string[]; expiresAt: Date | null }
  | { type: 'personal'; tokenId: string; scopes: readonly string[]; expiresAt: Date | null }
  | { type: 'resource'; tokenId: string; scopes: readonly string[]; expiresAt: Date | null };

export type Actor =
  /** A person: a PAT, or a JWT issued to a client on the person's behalf (the console). */
  | { kind: 'user'; id: string; credential: Credential; meta: RequestMeta }
  /** A bot acting through its resource access token. */
  | { kind: 'bot'; id: string; credential: Credential; meta: RequestMeta }
  /** A service with a client_credentials JWT for the management API (e.g. the platform syncing resources). */
  | { kind: 'client'; id: string; credential: Credential; meta: RequestMeta }
  /** Someone with shell access running the CLI on the host: trusted like a database administrator. */
  | { kind: 'operator'; id: string; meta: RequestMeta };

export const actorScopes = (actor: Actor): readonly string[] =>
  actor.kind === 'operator' ? ['admin'] : actor.credential.scopes;
