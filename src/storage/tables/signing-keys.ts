import type { Knex } from 'knex';

/**
 * All SQL for `signing_keys`. The private JWK arrives here already sealed: this file never sees a
 * private key in clear.
 */
export type SigningKeyRow = {
  kid: string;
  alg: string;
  publicJwk: Record<string, unknown>;
  sealedPrivateJwk: string;
  kekId: string;
  createdAt: Date;
  activatesAt: Date;
};

/** What a poll compares: enough to tell a change, without the sealed material. */
export type SigningKeyVersion = { kid: string; activatesAt: Date };

type SigningKeyRecord = {
  kid: string;
  alg: string;
  public_jwk: Record<string, unknown>;
  sealed_private_jwk: string;
  kek_id: string;
  created_at: Date;
  activates_at: Date;
};

const TABLE = 'signing_keys';

const rowOf = (record: SigningKeyRecord): SigningKeyRow => ({
  kid: record.kid,
  alg: record.alg,
  publicJwk: record.public_jwk,
  sealedPrivateJwk: record.sealed_private_jwk,
  kekId: record.kek_id,
  createdAt: record.created_at,
  activatesAt: record.activates_at,
});

export const listSigningKeys = async (knex: Knex): Promise<SigningKeyRow[]> =>
  ((await knex<SigningKeyRecord>(TABLE).select('*').orderBy('kid')) as SigningKeyRecord[]).map(rowOf);

export const listSigningKeyVersions = async (knex: Knex): Promise<SigningKeyVersion[]> =>
  (
    (await knex<SigningKeyRecord>(TABLE).select('kid', 'activates_at').orderBy('kid')) as Pick<
      SigningKeyRecord,
      'kid' | 'activates_at'
    >[]
  ).map((record) => ({ kid: record.kid, activatesAt: record.activates_at }));

/** Inserts the keys not stored yet (a kid already present is left as it is); returns the kids inserted. */
export const insertSigningKeys = async (knex: Knex, rows: readonly SigningKeyRow[]): Promise<string[]> => {
  if (rows.length === 0) return [];
  const inserted = (await knex(TABLE)
    .insert(
      rows.map((row) => ({
        kid: row.kid,
        alg: row.alg,
        public_jwk: JSON.stringify(row.publicJwk),
        sealed_private_jwk: row.sealedPrivateJwk,
        kek_id: row.kekId,
        created_at: row.createdAt,
        activates_at: row.activatesAt,
      })),
    )
    .onConflict('kid')
    .ignore()
    .returning('kid')) as { kid: string }[];
  return inserted.map((record) => record.kid);
};

/** Deletes (unpublishes) the keys; returns how many were deleted. */
export const deleteSigningKeys = async (knex: Knex, kids: readonly string[]): Promise<number> => {
  if (kids.length === 0) return 0;
  return knex(TABLE).whereIn('kid', kids).delete();
};
