import type { SealedBox } from '../../crypto/sealed-box.ts';
import { randomToken } from '../../crypto/random.ts';
import type { OidcAdapter } from '../../storage/oidc-adapter/contract.ts';

/**
 * Signed-in console sessions, kept on the server in the token store (Redis in production, so any
 * instance serves any request) under the HMAC of the cookie's random id. The tokens the console
 * holds for its user are bearer credentials, so the whole record is sealed (AES-GCM): a dump of the
 * store holds nothing usable, and the browser never sees them.
 */
export const CONSOLE_SESSION_MODEL = 'ConsoleSession';
/** A console session ends after this, whatever happens; signing in again is then one redirect. */
export const CONSOLE_SESSION_TTL_SECONDS = 12 * 3600;

export type ConsoleTokens = {
  accessToken: string;
  /** Epoch seconds. */
  accessTokenExpiresAt: number;
  refreshToken: string | undefined;
  idToken: string | undefined;
};

/** A token just created: shown on the next page the user sees, then forgotten. */
export type NewTokenNotice = { id: string; name: string; token: string; where: string };

export type ConsoleSession = {
  id: string;
  userId: string;
  username: string;
  /** Whether the console's token carried `admin` at sign-in: only shows or hides admin links. */
  admin?: boolean | undefined;
  tokens: ConsoleTokens;
  /** Epoch seconds. */
  expiresAt: number;
  newToken?: NewTokenNotice | undefined;
  /** A one-time confirmation such as "Token deploy deleted." */
  notice?: string | undefined;
};

export type ConsoleSessions = ReturnType<typeof createConsoleSessions>;

export const createConsoleSessions = (deps: { store: OidcAdapter; box: SealedBox; now?: () => number }) => {
  const now = deps.now ?? (() => Math.floor(Date.now() / 1000));
  const save = async (session: ConsoleSession) => {
    const remaining = session.expiresAt - now();
    if (remaining <= 0) return deps.store.destroy(session.id);
    await deps.store.upsert(
      session.id,
      { kind: CONSOLE_SESSION_MODEL, box: deps.box.seal(JSON.stringify(session)) },
      remaining,
    );
  };
  return {
    async create(fields: Omit<ConsoleSession, 'id' | 'expiresAt'>): Promise<ConsoleSession> {
      const session = { ...fields, id: randomToken(32), expiresAt: now() + CONSOLE_SESSION_TTL_SECONDS };
      await save(session);
      return session;
    },
    async find(id: string | undefined): Promise<ConsoleSession | undefined> {
      if (!id || id.length > 100) return undefined;
      const stored = await deps.store.find(id);
      const opened = typeof stored?.box === 'string' ? deps.box.open(stored.box) : undefined;
      if (!opened) return undefined;
      const session = JSON.parse(opened) as ConsoleSession;
      return session.id === id && session.expiresAt > now() ? session : undefined;
    },
    save,
    destroy: (id: string) => deps.store.destroy(id),
  };
};
