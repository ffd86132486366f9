import type { Knex } from 'knex';

/** All SQL for `authorizations`: which applications a person allowed, one row per grant. */
export type AuthorizationRow = {
  accountId: string;
  grantId: string;
  clientId: string;
  resources: string[];
  scopes: string[];
  createdAt: Date;
  updatedAt: Date;
};

type AuthorizationRecord = {
  account_id: string;
  grant_id: string;
  client_id: string;
  resources: string[];
  scopes: string[];
  created_at: Date;
  updated_at: Date;
};

const TABLE = 'authorizations';

const toRow = (record: AuthorizationRecord): AuthorizationRow => ({
  accountId: record.account_id,
  grantId: record.grant_id,
  clientId: record.client_id,
  resources: record.resources,
  scopes: record.scopes,
  createdAt: record.created_at,
  updatedAt: record.updated_at,
});

/** Records a consent; a later consent to more on the same grant widens the row. */
export const upsertAuthorization = async (
  knex: Knex,
  input: Pick<AuthorizationRow, 'accountId' | 'grantId' | 'clientId' | 'resources' | 'scopes'>,
): Promise<void> => {
  await knex<AuthorizationRecord>(TABLE)
    .insert({
      account_id: input.accountId,
      grant_id: input.grantId,
      client_id: input.clientId,
      resources: input.resources,
      scopes: input.scopes,
    })
    .onConflict(['account_id', 'grant_id'])
    .merge({ resources: input.resources, scopes: input.scopes, updated_at: knex.fn.now() });
};

export const listAuthorizationsOfAccount = async (
  knex: Knex,
  accountId: string,
): Promise<AuthorizationRow[]> => {
  const records = await knex<AuthorizationRecord>(TABLE)
    .where({ account_id: accountId })
    .orderBy([{ column: 'client_id' }, { column: 'created_at' }]);
  return (records as AuthorizationRecord[]).map(toRow);
};

/** Deletes the person's authorizations of one client; answers the grant ids they named. */
export const deleteAuthorizationsOfClient = async (
  knex: Knex,
  accountId: string,
  clientId: string,
): Promise<string[]> => {
  const deleted = await knex<AuthorizationRecord>(TABLE)
    .where({ account_id: accountId, client_id: clientId })
    .delete()
    .returning('grant_id');
  return deleted.map((record) => record.grant_id);
};
