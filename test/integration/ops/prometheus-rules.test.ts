import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { promisify } from 'node:util';
import { ROOT } from '../../helpers/tessera-process.ts';

/**
 * deploy/prometheus as Prometheus itself reads it, with `promtool` (Debian's `prometheus`
 * package; .ci/run installs it): the alert rules and the example configuration are valid, and the
 * alerts' unit tests (alerts.test.yml: a healthy instance raises nothing, each fault raises its
 * alert with its labels and text) pass.
 */
const PROMTOOL = '/usr/bin/promtool';
const DIR = join(ROOT, 'deploy/prometheus');

const promtool = async (t: TestContext, ...args: string[]) => {
  if (!existsSync(PROMTOOL)) {
    if (process.env.CI === 'true')
      assert.fail(`${PROMTOOL} is missing; CI requires it (apt-get install prometheus)`);
    t.skip(`${PROMTOOL} is missing (apt-get install prometheus)`);
    return undefined;
  }
  try {
    const { stdout, stderr } = await promisify(execFile)(PROMTOOL, args, { cwd: DIR });
    return stdout + stderr;
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: string; stderr?: string };
    assert.fail(`promtool ${args.join(' ')} failed:\n${stdout ?? ''}${stderr ?? ''}`);
  }
};

test('the alert rules are valid Prometheus rules', async (t) => {
  const output = await promtool(t, 'check', 'rules', 'alerts.yml');
  if (output !== undefined) assert.match(output, /SUCCESS: 10 rules found/);
});

test('each alert fires on the series that should raise it, and none on a healthy instance', async (t) => {
  const output = await promtool(t, 'test', 'rules', 'alerts.test.yml');
  if (output !== undefined) assert.match(output, /SUCCESS/);
});

test('the example scrape configuration is valid and loads the alert rules', async (t) => {
  const output = await promtool(t, 'check', 'config', 'prometheus.yml');
  if (output !== undefined) assert.match(output, /SUCCESS: 1 rule files found/);
});
