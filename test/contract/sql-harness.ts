import type { Knex } from 'knex';
import { createSqlAdapterFactory } from '../../src/storage/oidc-adapter/sql-adapter.ts';
import { listOidcModels } from '../../src/storage/tables/oidc-models.ts';
import type { ContractDeps, ContractHarness } from './oidc-adapter.contract.ts';

/** The SQL adapter on a migrated database, with a clock the test moves. */
export const createSqlHarness = (knex: Knex, deps: ContractDeps): ContractHarness => {
  let now = Date.now();
  return {
    factory: createSqlAdapterFactory({ knex, ...deps, now: () => now }),
    advanceClock: (ms) => {
      now += ms;
    },
    dump: async () => JSON.stringify(await listOidcModels(knex)),
  };
};
