#!/usr/bin/env node
// The `tessera` command and `npm start`. Plain JavaScript on purpose: a Node.js too old to run
// TypeScript (before 22.18) must still be able to read this file and say what is wrong, instead of
// dying on the first `.ts` import with ERR_UNKNOWN_FILE_EXTENSION.
const NEEDED = [22, 18];

const [major, minor] = process.versions.node.split('.').map(Number);
if (major < NEEDED[0] || (major === NEEDED[0] && minor < NEEDED[1])) {
  process.stderr.write(`Tessera needs Node.js ≥ ${NEEDED.join('.')} (you have ${process.versions.node}).\n`);
  process.exit(1);
}

await import('../src/cli/main.ts');
