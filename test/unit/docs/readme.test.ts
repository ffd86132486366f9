import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Command } from 'commander';
import type { CommandContext } from '../../../src/cli/command-context.ts';
import { registerCommands } from '../../../src/cli/register-commands.ts';
import { CONFIG_VARIABLES } from '../../../src/config/load-config.ts';

/**
 * The README's reference tables against the code they describe: every environment variable the
 * configuration reads is in the Configuration table (and nothing else is), and every command and
 * subcommand of the CLI, as its own --help lists them, is in the CLI reference.
 */
const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');

const section = (heading: string): string => {
  const start = readme.indexOf(`\n## ${heading}\n`);
  assert.ok(start >= 0, `the README has a "## ${heading}" section`);
  const end = readme.indexOf('\n## ', start + 1);
  return readme.slice(start, end < 0 ? undefined : end);
};

/** The first cell of every row of the section's table, minus the header and the rule. */
const firstCells = (text: string): string[] =>
  text
    .split('\n')
    .filter((line) => line.startsWith('|') && !/^\|\s*-/.test(line))
    .slice(1)
    .map((line) => (line.split(/(?<!\\)\|/)[1] ?? '').trim());

/** The CLI's command tree as src/cli/main.ts registers it, built here without running anything. */
const commandTree = (): Command => {
  const program = new Command('tessera');
  const context = {} as CommandContext; // only the commands' actions use it, and none runs here
  registerCommands(program, context);
  return program;
};

const run = promisify(execFile);

describe('the README tells the truth about', () => {
  test('every environment variable: one row each in the Configuration table, no row for anything else', () => {
    const documented = firstCells(section('Configuration')).map((cell) => cell.replace(/^`|`$/g, ''));
    assert.deepEqual([...documented].sort(), [...CONFIG_VARIABLES].sort());
  });

  test('every CLI command and subcommand, in the CLI reference', async () => {
    const tree = commandTree();
    // The tree built here is the real one: the same top-level commands as `tessera --help` lists.
    const { stdout } = await run(process.execPath, ['bin/tessera.js', '--help'], { cwd: repoRoot });
    const listed = [...(stdout.split(/^Commands:$/m)[1] ?? '').matchAll(/^ {2}([a-z][\w-]*)/gm)]
      .map((match) => match[1])
      .filter((name) => name !== 'help');
    assert.deepEqual(
      tree.commands.map((command) => command.name()),
      listed,
    );

    const rows = firstCells(section('CLI reference'));
    const missing: string[] = [];
    const walk = (command: Command, path: string[]) => {
      for (const sub of command.commands) {
        const name = sub.name();
        const prefix = `\`${path.join(' ')}`;
        const documented =
          path.length === 0
            ? rows.some((cell) => new RegExp(`^\`${name}\\b`).test(cell))
            : rows.some(
                (cell) =>
                  cell.startsWith(`${prefix} `) &&
                  new RegExp(`(^|[\\s\`,])${name}\\b`).test(cell.slice(prefix.length)),
              );
        if (!documented) missing.push([...path, name].join(' '));
        walk(sub, [...path, name]);
      }
    };
    walk(tree, []);
    assert.deepEqual(missing, [], 'commands missing from the README CLI reference');
  });
});
