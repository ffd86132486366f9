import { forbidden, notFound } from '../../errors.ts';
import type { Repositories } from '../../storage/repositories.ts';
import type { Revocation, RevocationList } from '../../storage/revocations/revocation-list.ts';
import type { Actor } from '../actors.ts';
import { recordAudit } from '../audit/audit-log.ts';
import { MAX_REFRESH_TOKEN_TTL } from '../clients/client.ts';

/**
 * The applications a person has allowed to act for them (on the consent page), and taking that
 * back. Revoking an application revokes every grant the person gave it: the revocations are in
 * Postgres, with the audit event, before the answer — whatever the token store keeps, no access
 * or refresh token of those grants is honoured again.
 */
export type AuthorizedApplication = {
  clientId: string;
  clientName: string;
  resources: string[];
  scopes: string[];
  authorizedAt: Date;
};

export type AuthorizationService = ReturnType<typeof createAuthorizationService>;

export const createAuthorizationService = (deps: {
  repositories: Repositories;
  revocations: RevocationList;
  /** The token store's key of an id: what revocations name a grant by. */
  tokenStoreKey: (id: string) => string;
}) => {
  const personOf = (actor: Actor): string => {
    if (actor.kind !== 'user') throw forbidden('only a person has authorized applications');
    return actor.id;
  };

  return {
    /** Called when a person allows an application on the consent page. */
    record: (input: {
      accountId: string;
      clientId: string;
      grantId: string;
      resources: string[];
      scopes: string[];
    }) => deps.repositories.authorizations.upsert(input),

    /** The caller's authorized applications, one entry per application (its grants merged). */
    async listMine(actor: Actor): Promise<AuthorizedApplication[]> {
      const rows = await deps.repositories.authorizations.listOfAccount(personOf(actor));
      const clients = await deps.repositories.clients.findByIds([
        ...new Set(rows.map((row) => row.clientId)),
      ]);
      const byClient = new Map<string, AuthorizedApplication>();
      for (const row of rows) {
        const client = clients.get(row.clientId);
        // A client whose id is the https URL of its metadata document (CIMD) has no row: it is
        // named by that URL, which is what the person saw it claim to be.
        const byDocument = /^https:\/\//i.test(row.clientId);
        // A deleted client's tokens are revoked with it: nothing left to show or revoke.
        if (!client && !byDocument) continue;
        const entry = byClient.get(row.clientId) ?? {
          clientId: row.clientId,
          clientName: client?.name ?? row.clientId,
          resources: [],
          scopes: [],
          authorizedAt: row.createdAt,
        };
        entry.resources = [...new Set([...entry.resources, ...row.resources])];
        entry.scopes = [...new Set([...entry.scopes, ...row.scopes])];
        if (row.createdAt < entry.authorizedAt) entry.authorizedAt = row.createdAt;
        byClient.set(row.clientId, entry);
      }
      return [...byClient.values()].sort((a, b) => a.clientName.localeCompare(b.clientName));
    },

    /** Revokes everything the caller gave the application; answers the grant ids, for the token store. */
    async revoke(actor: Actor, clientId: string): Promise<string[]> {
      const accountId = personOf(actor);
      const at = new Date();
      let revocations: Revocation[] = [];
      const grantIds = await deps.repositories.transaction(async (tx) => {
        const ids = await tx.authorizations.deleteOfClient(accountId, clientId);
        if (ids.length === 0) throw notFound(`you have not authorized application ${clientId}`);
        revocations = ids.map((grantId) => ({
          kind: 'grant',
          key: deps.tokenStoreKey(grantId),
          revokedAt: at,
          // As long as any refresh token of a grant may live.
          expiresAt: new Date(at.getTime() + MAX_REFRESH_TOKEN_TTL * 1000),
        }));
        await deps.revocations.record(tx, revocations);
        await recordAudit(tx, actor, {
          action: 'authorization.revoke',
          target: { type: 'client', id: clientId },
          details: { grants: revocations.length },
        });
        return ids;
      });
      await deps.revocations.announce(revocations);
      return grantIds;
    },
  };
};
