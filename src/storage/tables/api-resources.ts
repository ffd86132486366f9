import type { Knex } from 'knex';
import { rethrowUniqueViolation } from './unique-violation.ts';

/** All SQL for `api_resources`: the APIs that accept Tessera's tokens. */
export type ApiResourceFormat = 'jwt' | 'opaque';
export type SigningAlg = 'ES256' | 'RS256' | 'EdDSA';

export type ApiResourceRow = {
  id: string;
  /** The RFC 8707 resource value, and the `aud` of tokens issued for this API. */
  identifier: string;
  name: string;
  format: ApiResourceFormat;
  /** Seconds. */
  accessTokenTtl: number;
  scopes: string[];
  signingAlg: SigningAlg;
  createdAt: Date;
  updatedAt: Date;
};

export type NewApiResource = {
  identifier: string;
  name: string;
  format: ApiResourceFormat;
  accessTokenTtl: number;
  scopes?: string[];
  signingAlg: SigningAlg;
};

type ApiResourceRecord = {
  id: string;
  identifier: string;
  name: string;
  format: ApiResourceFormat;
  access_token_ttl: number;
  scopes: string[];
  signing_alg: SigningAlg;
  created_at: Date;
  updated_at: Date;
};

const TABLE = 'api_resources';

const toRow = (record: ApiResourceRecord): ApiResourceRow => ({
  id: record.id,
  identifier: record.identifier,
  name: record.name,
  format: record.format,
  accessTokenTtl: record.access_token_ttl,
  scopes: record.scopes,
  signingAlg: record.signing_alg,
  createdAt: record.created_at,
  updatedAt: record.updated_at,
});

const CONFLICTS = {
  api_resources_identifier_unique: {
    field: 'identifier',
    message: 'An API resource with this identifier already exists',
  },
  api_resources_pkey: {
    field: 'id',
    message: 'An API resource with this id already exists',
  },
};

export const insertApiResource = async (knex: Knex, input: NewApiResource): Promise<ApiResourceRow> => {
  try {
    const [record] = await knex<ApiResourceRecord>(TABLE)
      .insert({
        identifier: input.identifier,
        name: input.name,
        format: input.format,
        access_token_ttl: input.accessTokenTtl,
        scopes: input.scopes ?? [],
        signing_alg: input.signingAlg,
      })
      .returning('*');
    return toRow(record as ApiResourceRecord);
  } catch (error) {
    return rethrowUniqueViolation(error, CONFLICTS);
  }
};

export const findApiResourceByIdentifier = async (
  knex: Knex,
  identifier: string,
): Promise<ApiResourceRow | undefined> => {
  const record = await knex<ApiResourceRecord>(TABLE).where({ identifier }).first();
  return record ? toRow(record as ApiResourceRecord) : undefined;
};

export const listApiResources = async (knex: Knex): Promise<ApiResourceRow[]> => {
  const records = await knex<ApiResourceRecord>(TABLE).select('*').orderBy('identifier');
  return (records as ApiResourceRecord[]).map(toRow);
};

/** True when a resource was deleted. */
export const deleteApiResourceByIdentifier = async (knex: Knex, identifier: string): Promise<boolean> => {
  // `returning` rather than the affected-row count: knex-pglite answers a bare delete with the raw
  // result object instead of a number.
  const deleted = await knex<ApiResourceRecord>(TABLE).where({ identifier }).delete().returning('id');
  return deleted.length > 0;
};
