import { randomBytes } from 'node:crypto';
import type { PepperHash } from '../../crypto/pepper-hash.ts';
import { randomToken } from '../../crypto/random.ts';
import { AppError, conflict, forbidden, invalidInput, notFound, unavailable } from '../../errors.ts';
import type { Repositories } from '../../storage/repositories.ts';
import type { AccessTokenRow } from '../../storage/tables/access-tokens.ts';
import { displayHint, formatToken, type TokenKind } from '../../verify/token-format.ts';
import type { Actor } from '../actors.ts';
import { displayName } from '../api-resources/api-resource.ts';
import { type AuditRecord, recordAudit } from '../audit/audit-log.ts';
import { decodeCursor, encodeCursor } from '../pagination.ts';
import type { Policy } from '../permissions/policy.ts';
import type { Permissions } from '../permissions/subject-permissions.ts';
import { parseInput } from '../validation.ts';
import type {
  AccessTokenService,
  AccessTokenView,
  CreatePersonalTokenInput,
  CreateResourceTokenInput,
  IssuedAccessToken,
  ListOptions,
  Page,
} from './access-token.ts';
import type { ResourceRef } from '../../verify/principal.ts';
import { stateOf, viewOf } from './access-token-view.ts';
import { resolveExpiry } from './expiry.ts';
import { entryOf, type TokenEntries } from '../../storage/token-entries/contract.ts';

/**
 * Personal and resource access tokens: created with a name, scopes and an expiry, shown once,
 * listed, rotated and revoked. The rules that keep them safe live here:
 * - nobody creates a token with a scope they do not hold, or a RAT with a role above their own;
 * - a token made with another token stays within that token's scopes and lifetime;
 * - another user's token id is "not found", never "forbidden";
 * - a revocation is committed together with the token store's tombstone, or not at all.
 */
export type AccessTokenServiceDeps = {
  repositories: Repositories;
  permissions: Permissions;
  policy: Policy;
  entries: TokenEntries | undefined;
  tokenHash: PepperHash;
  maxLifetimeDays: number | undefined;
  now?: () => Date;
};

const MAX_PAGE = 100;
const seconds = (date: Date) => Math.floor(date.getTime() / 1000);

const scopeList = (scopes: unknown): string[] => {
  if (!Array.isArray(scopes) || scopes.length === 0 || scopes.some((scope) => typeof scope !== 'string')) {
    throw invalidInput('scopes must be a non-empty list of scope names', 'scopes');
  }
  return [...new Set(scopes as string[])];
};

export const createAccessTokenService = (deps: AccessTokenServiceDeps): AccessTokenService => {
  const { repositories, permissions, policy } = deps;
  const now = deps.now ?? (() => new Date());

  const mint = (kind: TokenKind) => {
    const token = formatToken(kind, randomBytes(32));
    return { token, tokenHash: deps.tokenHash.digest(token), displayHint: displayHint(token) };
  };

  const checkKnownScopes = (scopes: string[]) => {
    const unknown = scopes.filter((scope) => !policy.isKnownScope(scope));
    if (unknown.length > 0) {
      throw invalidInput(
        `unknown scope(s) ${unknown.join(', ')}; known: ${policy.allScopes.join(', ')}`,
        'scopes',
      );
    }
  };

  const missingFrom = (scopes: string[], held: ReadonlySet<string>) =>
    [...policy.expand(scopes)].filter((scope) => !held.has(scope));

  /** A token used to make a token bounds what it makes: scopes and lifetime. */
  const credentialBounds = (actor: Actor, scopes: string[]) => {
    if (actor.kind === 'operator' || actor.credential.type === 'jwt') return undefined;
    const beyond = missingFrom(scopes, new Set(actor.credential.scopes));
    if (beyond.length > 0) {
      throw forbidden(`the token you are using does not carry ${beyond.join(', ')}`, 'scopes');
    }
    return actor.credential.expiresAt;
  };

  const checkName = (name: unknown) => parseInput(displayName, name);

  /** Serialises name checks per owner so two concurrent creates cannot both take a name. */
  const ensureNameFree = async (
    tx: Repositories,
    kind: TokenKind,
    owner: { subjectId?: string; resource?: ResourceRef },
    name: string,
  ) => {
    await tx.locks.forTransaction(
      `access-token-names:${owner.subjectId ?? `${owner.resource?.type}/${owner.resource?.id}`}`,
    );
    if (await tx.accessTokens.findActiveByName({ kind, ...owner, name, now: now() })) {
      throw conflict(`an active token named "${name}" already exists`, 'name');
    }
  };

  const page = (rows: AccessTokenRow[], limit: number): Page<AccessTokenView> => {
    const items = rows.slice(0, limit);
    const last = items.at(-1);
    return {
      items: items.map((row) => viewOf(row, now())),
      nextCursor:
        rows.length > limit && last
          ? encodeCursor({ createdAt: last.createdAt.toISOString(), id: last.id })
          : null,
    };
  };

  const listOptions = (options: ListOptions) => {
    const limit = options.limit ?? 20;
    if (!Number.isSafeInteger(limit) || limit < 1 || limit > MAX_PAGE) {
      throw invalidInput(`limit must be between 1 and ${MAX_PAGE}`, 'limit');
    }
    const cursor = options.cursor ? decodeCursor(options.cursor, 'cursor') : undefined;
    const createdAt = cursor?.createdAt ? new Date(cursor.createdAt) : undefined;
    if (cursor && (!createdAt || Number.isNaN(createdAt.getTime()) || typeof cursor.id !== 'string')) {
      throw invalidInput('cursor is not a cursor this API returned', 'cursor');
    }
    return {
      state: options.state ?? 'active',
      limit,
      after: createdAt && cursor ? { createdAt, id: cursor.id as string } : undefined,
    };
  };

  const audit = (
    tx: Repositories,
    actor: Actor,
    action: string,
    row: AccessTokenRow,
    details: Record<string, unknown> = {},
  ) => {
    const record: AuditRecord = {
      action,
      target: { type: 'access_token', id: row.id },
      details: {
        kind: row.kind,
        name: row.name,
        subject: row.subjectId,
        ...(row.resourceType ? { resource: `${row.resourceType}/${row.resourceId}` } : {}),
        ...details,
      },
    };
    return recordAudit(tx, actor, record);
  };

  /** Writes the token store inside the transaction: if Redis fails, Postgres rolls back too. */
  const storeOrFail = async (work: () => Promise<void>, what: string) => {
    try {
      await work();
    } catch (error) {
      if (error instanceof AppError) throw error;
      throw unavailable(`the token store is unavailable; the token was not ${what}, try again`, error);
    }
  };

  // ---- who owns a personal token --------------------------------------------------------------

  const personalOwner = async (actor: Actor, username: string | undefined): Promise<string> => {
    if (actor.kind === 'operator') {
      if (!username) throw invalidInput('username is required', 'username');
      const user = await repositories.subjects.findUserByUsername(username);
      if (!user) throw notFound(`no user named ${username}`);
      return user.id;
    }
    if (actor.kind === 'bot') throw forbidden('a resource access token cannot manage access tokens');
    if (actor.kind === 'client') throw forbidden('personal access tokens belong to people: use a user token');
    if (username !== undefined) throw invalidInput('username is only for operators', 'username');
    return actor.id;
  };

  /** A personal token the actor may see: their own (operators: anyone's). Others' are "not found". */
  const findPersonal = async (actor: Actor, id: string): Promise<AccessTokenRow> => {
    if (actor.kind === 'bot') throw forbidden('a resource access token cannot manage access tokens');
    if (actor.kind === 'client') throw forbidden('personal access tokens belong to people: use a user token');
    const row = await repositories.accessTokens.findById(id);
    if (!row || (actor.kind === 'user' && (row.kind !== 'personal' || row.subjectId !== actor.id))) {
      throw notFound(`no access token ${id}`);
    }
    return row;
  };

  // ---- resource tokens: who may manage them ---------------------------------------------------

  /** The actor's role on the resource, when it may manage the resource's tokens. */
  const resourceManager = async (actor: Actor, ref: ResourceRef): Promise<string> => {
    const resource = await repositories.resources.find(ref.type, ref.id);
    if (!resource) throw notFound(`no resource ${ref.type}/${ref.id}`);
    if (actor.kind === 'operator') return policy.roles[0] as string;
    if (actor.kind === 'bot') throw forbidden('a resource access token cannot manage access tokens');
    if (actor.kind === 'client') {
      if (actor.credential.scopes.includes('admin')) return policy.roles[0] as string;
      throw forbidden('resource access tokens are managed by the resource maintainers');
    }
    const role = await permissions.roleOn(
      await permissions.of(actor.id).then((p) => p ?? failUnknown(actor.id)),
      ref,
    );
    // Not a member at all: the resource is none of the caller's business.
    if (!role) throw notFound(`no resource ${ref.type}/${ref.id}`);
    if (!policy.mayCreateResourceTokens(role)) {
      throw forbidden(
        `managing access tokens of ${ref.type}/${ref.id} needs the role ${policy.definition.tokenCreatorRoles.join(' or ')}; you are ${role}`,
      );
    }
    return role;
  };

  const failUnknown = (subjectId: string): never => {
    throw new AppError('unauthorized', 401, `unknown subject ${subjectId}`);
  };

  const findOfResource = async (ref: ResourceRef, id: string): Promise<AccessTokenRow> => {
    const row = await repositories.accessTokens.findById(id);
    if (!row || row.kind !== 'resource' || row.resourceType !== ref.type || row.resourceId !== ref.id) {
      throw notFound(`no access token ${id} on ${ref.type}/${ref.id}`);
    }
    return row;
  };

  // ---- shared lifecycle ------------------------------------------------------------------------

  const revoke = async (actor: Actor, row: AccessTokenRow): Promise<AccessTokenView> => {
    if (row.revokedAt) return viewOf(row, now());
    const at = now();
    const revoked = await repositories.transaction(async (tx) => {
      const updated = await tx.accessTokens.revoke(row.id, { revokedAt: at, revokedBy: actor.id });
      if (!updated) return undefined; // revoked concurrently
      if (updated.kind === 'resource' && updated.resourceType && updated.resourceId) {
        // The bot exists for this token only: it loses its membership and can never act again.
        await tx.memberships.delete(updated.subjectId, updated.resourceType, updated.resourceId);
        await tx.subjects.setDisabled(updated.subjectId, at);
      }
      await audit(tx, actor, 'access_token.revoke', updated);
      await storeOrFail(
        async () =>
          deps.entries?.revoke(
            updated.tokenHash,
            updated.expiresAt ? seconds(updated.expiresAt) : null,
            seconds(at),
          ),
        'revoked',
      );
      return updated;
    });
    if (revoked?.kind === 'resource') await permissions.changed(revoked.subjectId);
    return viewOf(revoked ?? ((await repositories.accessTokens.findById(row.id)) as AccessTokenRow), now());
  };

  const rotate = async (actor: Actor, row: AccessTokenRow): Promise<IssuedAccessToken> => {
    const state = stateOf(row, now());
    if (state !== 'active') throw conflict(`only an active token can be rotated; this one is ${state}`);
    const minted = mint(row.kind);
    const at = now();
    const rotated = await repositories.transaction(async (tx) => {
      const updated = await tx.accessTokens.replaceHash(row.id, {
        tokenHash: minted.tokenHash,
        displayHint: minted.displayHint,
        rotatedAt: at,
      });
      if (!updated) throw conflict('the token was revoked meanwhile');
      await audit(tx, actor, 'access_token.rotate', updated);
      await storeOrFail(
        async () =>
          deps.entries?.revoke(row.tokenHash, row.expiresAt ? seconds(row.expiresAt) : null, seconds(at)),
        'rotated',
      );
      return updated;
    });
    await deps.entries?.restore(rotated.tokenHash, entryOf(rotated), seconds(at)).catch(() => {});
    return { token: minted.token, record: viewOf(rotated, now()) };
  };

  return {
    async createPersonal(actor: Actor, input: CreatePersonalTokenInput): Promise<IssuedAccessToken> {
      const ownerId = await personalOwner(actor, input.username);
      const name = checkName(input.name);
      const scopes = scopeList(input.scopes);
      checkKnownScopes(scopes);
      const owner = await permissions.of(ownerId);
      if (!permissions.isActive(owner)) throw forbidden('the owner is disabled');
      const notHeld = missingFrom(scopes, permissions.holdings(owner));
      if (notHeld.length > 0) throw forbidden(`the owner does not hold ${notHeld.join(', ')}`, 'scopes');
      const ceiling = credentialBounds(actor, scopes);
      const audience = [...new Set(input.audience ?? [])];
      for (const identifier of audience) {
        if (
          typeof identifier !== 'string' ||
          !(await repositories.apiResources.findByIdentifier(identifier))
        ) {
          throw invalidInput(`audience names an unknown API resource: ${String(identifier)}`, 'audience');
        }
      }
      const expiresAt = resolveExpiry(input, { now: now(), maxLifetimeDays: deps.maxLifetimeDays, ceiling });
      const minted = mint('personal');

      const row = await repositories.transaction(async (tx) => {
        await ensureNameFree(tx, 'personal', { subjectId: ownerId }, name);
        const inserted = await tx.accessTokens.insert({
          id: `tok_${randomToken(12)}`,
          kind: 'personal',
          name,
          subjectId: ownerId,
          resourceType: null,
          resourceId: null,
          role: null,
          scopes: policy.sorted(scopes),
          audience,
          tokenHash: minted.tokenHash,
          displayHint: minted.displayHint,
          expiresAt,
          createdBy: actor.id,
        });
        await audit(tx, actor, 'access_token.create', inserted);
        return inserted;
      });
      await deps.entries?.restore(row.tokenHash, entryOf(row), seconds(now())).catch(() => {});
      return { token: minted.token, record: viewOf(row, now()) };
    },

    async listPersonal(actor, options) {
      const ownerId = await personalOwner(actor, options.username);
      const { state, limit, after } = listOptions(options);
      const rows = await repositories.accessTokens.list({
        subjectId: ownerId,
        kind: 'personal',
        state,
        now: now(),
        limit: limit + 1,
        after,
      });
      return page(rows, limit);
    },

    getPersonal: async (actor, id) => viewOf(await findPersonal(actor, id), now()),
    revokePersonal: async (actor, id) => revoke(actor, await findPersonal(actor, id)),
    rotatePersonal: async (actor, id) => rotate(actor, await findPersonal(actor, id)),

    async createForResource(actor: Actor, ref: ResourceRef, input: CreateResourceTokenInput) {
      const actorRole = await resourceManager(actor, ref);
      const name = checkName(input.name);
      if (typeof input.role !== 'string' || !policy.isRole(input.role)) {
        throw invalidInput(`role must be one of ${policy.roles.join(', ')}`, 'role');
      }
      if (policy.roleRank(input.role) > policy.roleRank(actorRole)) {
        throw forbidden(`you cannot give a token the role ${input.role}: yours is ${actorRole}`, 'role');
      }
      const scopes = scopeList(input.scopes);
      checkKnownScopes(scopes);
      const covered = policy.coveredTypes(ref.type);
      for (const scope of scopes) {
        const type = policy.scopeType(scope);
        if (type === undefined) {
          throw invalidInput(`resource access tokens cannot carry the management scope ${scope}`, 'scopes');
        }
        if (!covered.includes(type)) {
          throw invalidInput(`${scope} does not apply to a token on ${ref.type}/${ref.id}`, 'scopes');
        }
      }
      const beyondRole = missingFrom(scopes, policy.allowedByRole(input.role, ref.type));
      if (beyondRole.length > 0) {
        throw invalidInput(`the role ${input.role} does not grant ${beyondRole.join(', ')}`, 'scopes');
      }
      const beyondActor = missingFrom(scopes, policy.allowedByRole(actorRole, ref.type));
      if (beyondActor.length > 0) throw forbidden(`you do not hold ${beyondActor.join(', ')} here`, 'scopes');
      const ceiling = credentialBounds(actor, scopes);
      const expiresAt = resolveExpiry(input, { now: now(), maxLifetimeDays: deps.maxLifetimeDays, ceiling });
      const minted = mint('resource');
      const botId = `bot_${randomToken(12)}`;

      const row = await repositories.transaction(async (tx) => {
        await ensureNameFree(tx, 'resource', { resource: ref }, name);
        await tx.subjects.insert({ id: botId, kind: 'bot', resourceType: ref.type, resourceId: ref.id });
        await tx.memberships.upsert({
          subjectId: botId,
          resourceType: ref.type,
          resourceId: ref.id,
          role: input.role,
        });
        const inserted = await tx.accessTokens.insert({
          id: `tok_${randomToken(12)}`,
          kind: 'resource',
          name,
          subjectId: botId,
          resourceType: ref.type,
          resourceId: ref.id,
          role: input.role,
          scopes: policy.sorted(scopes),
          audience: [],
          tokenHash: minted.tokenHash,
          displayHint: minted.displayHint,
          expiresAt,
          createdBy: actor.id,
        });
        await audit(tx, actor, 'access_token.create', inserted, { role: input.role });
        return inserted;
      });
      await deps.entries?.restore(row.tokenHash, entryOf(row), seconds(now())).catch(() => {});
      return { token: minted.token, record: viewOf(row, now()) };
    },

    async listForResource(actor, ref, options) {
      await resourceManager(actor, ref);
      const { state, limit, after } = listOptions(options);
      const rows = await repositories.accessTokens.list({
        resource: ref,
        kind: 'resource',
        state,
        now: now(),
        limit: limit + 1,
        after,
      });
      return page(rows, limit);
    },

    async getForResource(actor, ref, id) {
      await resourceManager(actor, ref);
      return viewOf(await findOfResource(ref, id), now());
    },

    async revokeForResource(actor, ref, id) {
      await resourceManager(actor, ref);
      return revoke(actor, await findOfResource(ref, id));
    },

    async rotateForResource(actor, ref, id) {
      await resourceManager(actor, ref);
      return rotate(actor, await findOfResource(ref, id));
    },
  };
};
