import { randomToken } from '../../crypto/random.ts';
import { invalidInput, notFound } from '../../errors.ts';
import type { Repositories } from '../../storage/repositories.ts';
import type { SubjectRow } from '../../storage/tables/subjects.ts';
import type { Actor } from '../actors.ts';
import { recordAudit } from '../audit/audit-log.ts';
import type { Policy } from '../permissions/policy.ts';
import type { Permissions } from '../permissions/subject-permissions.ts';
import { DECOY_PASSWORD_HASH, hashPassword, MIN_PASSWORD_LENGTH, verifyPassword } from './password.ts';

/** People who own personal access tokens and sign in to the console. Managed by operators (CLI). */
export type UserView = {
  id: string;
  username: string;
  isAdmin: boolean;
  email: string | null;
  disabledAt: Date | null;
  createdAt: Date;
};

const USERNAME = /^[a-z0-9][a-z0-9._-]{0,63}$/i;
/** Enough to catch a typo; the mail server has the last word. */
const EMAIL = /^[^\s@<>(),;:"]{1,64}@[A-Za-z0-9.-]{1,253}\.[A-Za-z]{2,63}$/;

const viewOf = (row: SubjectRow): UserView => ({
  id: row.id,
  username: row.username ?? '',
  isAdmin: row.isAdmin,
  email: row.email,
  disabledAt: row.disabledAt,
  createdAt: row.createdAt,
});

/** The caller of the API as it may see itself. */
export type CallerView = {
  id: string;
  kind: 'user' | 'bot' | 'client';
  username: string | null;
  scopes: string[];
  grantableScopes: string[];
};

export type UserService = ReturnType<typeof createUserService>;

export const createUserService = (deps: {
  repositories: Repositories;
  permissions: Permissions;
  policy: Policy;
  now?: () => Date;
}) => {
  const { repositories } = deps;
  const now = deps.now ?? (() => new Date());

  return {
    async create(
      actor: Actor,
      input: { username: string; password: string; isAdmin?: boolean; email?: string | undefined },
    ): Promise<UserView> {
      if (input.email !== undefined && (typeof input.email !== 'string' || !EMAIL.test(input.email))) {
        throw invalidInput('email must be an e-mail address such as dana@example.com', 'email');
      }
      if (typeof input.username !== 'string' || !USERNAME.test(input.username)) {
        throw invalidInput('username must be 1-64 letters, digits, dots, dashes or underscores', 'username');
      }
      if (typeof input.password !== 'string' || [...input.password].length < MIN_PASSWORD_LENGTH) {
        throw invalidInput(`password must be at least ${MIN_PASSWORD_LENGTH} characters`, 'password');
      }
      const passwordHash = await hashPassword(input.password);
      return repositories.transaction(async (tx) => {
        const row = await tx.subjects.insert({
          id: `usr_${randomToken(12)}`,
          kind: 'user',
          username: input.username,
          passwordHash,
          isAdmin: input.isAdmin === true,
          email: input.email ?? null,
        });
        await recordAudit(tx, actor, {
          action: 'user.create',
          target: { type: 'user', id: row.id },
          details: { username: row.username, admin: row.isAdmin },
        });
        return viewOf(row);
      });
    },

    list: async (): Promise<UserView[]> => (await repositories.subjects.listUsers()).map(viewOf),

    async setDisabled(actor: Actor, username: string, disabled: boolean): Promise<UserView> {
      const user = await repositories.subjects.findUserByUsername(username);
      if (!user) throw notFound(`no user named ${username}`);
      const row = await repositories.transaction(async (tx) => {
        const updated = await tx.subjects.setDisabled(user.id, disabled ? now() : null);
        await recordAudit(tx, actor, {
          action: disabled ? 'user.disable' : 'user.enable',
          target: { type: 'user', id: user.id },
          details: { username },
        });
        return updated;
      });
      await deps.permissions.changed(user.id);
      return viewOf(row ?? user);
    },

    /** An enabled user by id: who an OpenID Connect session or token speaks for (`sub`). */
    async findActive(id: string): Promise<UserView | undefined> {
      const found = await deps.permissions.of(id);
      return deps.permissions.isActive(found) && found.subject.kind === 'user'
        ? viewOf(found.subject)
        : undefined;
    },

    /**
     * Who the caller is and what its credential carries, and for a person the scopes a personal
     * access token of theirs may carry (what they hold today): what a console offers in its form.
     */
    async describe(actor: Actor): Promise<CallerView> {
      if (actor.kind === 'operator') throw invalidInput('operators are not callers of the API');
      const found = actor.kind === 'client' ? undefined : await deps.permissions.of(actor.id);
      return {
        id: actor.id,
        kind: actor.kind,
        username: found?.subject.username ?? null,
        scopes: [...actor.credential.scopes],
        grantableScopes:
          actor.kind === 'user' && found ? deps.policy.sorted(deps.permissions.holdings(found)) : [],
      };
    },

    /**
     * The user when the password is right and the account enabled. Unknown usernames are checked
     * against a decoy hash, so the answer takes the same time either way.
     */
    async authenticate(username: string, password: string): Promise<UserView | undefined> {
      const user =
        typeof username === 'string' ? await repositories.subjects.findUserByUsername(username) : undefined;
      const ok = await verifyPassword(String(password), user?.passwordHash ?? DECOY_PASSWORD_HASH);
      return ok && user && !user.disabledAt ? viewOf(user) : undefined;
    },
  };
};
