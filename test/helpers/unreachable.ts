import type { TestContext } from 'node:test';

/**
 * A test that needs a server that is not there: skipped on a laptop, failed in CI (where a
 * silently skipped suite would pass for the wrong reason).
 */
export const skipOrFailUnreachable = (t: TestContext, message: string): undefined => {
  if (process.env.CI === 'true') throw new Error(`${message} (CI=true: the service must be available)`);
  t.skip(message);
  return undefined;
};
