import { delimiter, dirname } from 'node:path';

/**
 * The environment of a user's shell for a child process: this test's own Node first on PATH, and
 * none of the settings the test run itself has (the shared database, Redis, Tessera's variables,
 * npm's lifecycle variables when run under `npm test`).
 */
export const userEnv = (extra: Record<string, string> = {}): NodeJS.ProcessEnv => {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (!/^(DATABASE_URL|REDIS_URL|TESSERA_|PORT$|HOST$|npm_|NODE_OPTIONS$|NODE_TEST)/i.test(name))
      env[name] = value;
  }
  env.PATH = [dirname(process.execPath), env.PATH].join(delimiter);
  return { ...env, ...extra };
};
