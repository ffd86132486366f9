/**
 * Starts Tessera the way a user does, and runs the CLI (`node src/cli/main.ts …`) against the same
 * environment. The server side lives in deploy/kit/tessera-process.ts, shared with
 * deploy/local-cluster.ts.
 */
import { spawn } from 'node:child_process';
import { childEnv, ROOT } from '../../deploy/kit/tessera-process.ts';

export {
  childEnv,
  freePort,
  ROOT,
  type Scope,
  startTessera,
  suiteScope,
  type TesseraInstance,
  testEnv,
} from '../../deploy/kit/tessera-process.ts';

export type CliResult = { code: number | null; stdout: string; stderr: string };

export const runCli = (env: Record<string, string>, args: string[], input?: string): Promise<CliResult> =>
  new Promise((done) => {
    const child = spawn(process.execPath, ['src/cli/main.ts', ...args], {
      cwd: ROOT,
      env: childEnv(env),
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
    });
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    child.stdin.end(input ?? '');
    child.once('close', (code) => done({ code, stdout, stderr }));
  });

/** Runs the CLI and parses its --json output, failing loudly with its stderr otherwise. */
export const cliJson = async <T = Record<string, unknown>>(
  env: Record<string, string>,
  args: string[],
): Promise<T> => {
  const result = await runCli(env, [...args, '--json']);
  if (result.code !== 0)
    throw new Error(`tessera ${args.join(' ')} failed (${result.code}): ${result.stderr}`);
  return JSON.parse(result.stdout) as T;
};
