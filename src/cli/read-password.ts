import { createInterface } from 'node:readline';
import { usageError } from './cli-error.ts';

/** The first line of standard input, for `--password-stdin` (scripts, CI). */
export const readPasswordFromStdin = async (): Promise<string> => {
  let raw = '';
  for await (const chunk of process.stdin) raw += String(chunk);
  const password = raw.split(/\r?\n/)[0] ?? '';
  if (!password) throw usageError('--password-stdin: standard input held no password');
  return password;
};

const ask = (question: string): Promise<string> =>
  new Promise((resolve) => {
    const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: true });
    // Echo nothing while the password is typed.
    (rl as unknown as { _writeToOutput: (text: string) => void })._writeToOutput = (text: string) => {
      if (text.startsWith(question)) process.stderr.write(question);
    };
    rl.question(question, (answer) => {
      rl.close();
      process.stderr.write('\n');
      resolve(answer);
    });
  });

/** Asks twice on the terminal; refuses when there is no terminal to ask on. */
export const promptPassword = async (): Promise<string> => {
  if (!process.stdin.isTTY) {
    throw usageError('no terminal to ask for the password on: pipe it with --password-stdin');
  }
  const first = await ask('Password: ');
  const second = await ask('Repeat password: ');
  if (first !== second) throw usageError('the two passwords differ');
  return first;
};
