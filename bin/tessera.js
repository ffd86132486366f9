#!/usr/bin/env node
// The `tessera` command and `npm start`. Plain JavaScript on purpose: a Node.js too old to run
// TypeScript (before 22.18) must still be able to read this file and say what is wrong, instead of
// dying on the first `.ts` import with ERR_UNKNOWN_FILE_EXTENSION.
import { existsSync } from 'node:fs';
import { sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const NEEDED = [22, 18];

const [major, minor] = process.versions.node.split('.').map(Number);
if (major < NEEDED[0] || (major === NEEDED[0] && minor < NEEDED[1])) {
  process.stderr.write(`Tessera needs Node.js ≥ ${NEEDED.join('.')} (you have ${process.versions.node}).\n`);
  process.exit(1);
}

// A git checkout runs the TypeScript sources directly (no build step in development). The installed
// package (npm tarball, Docker image) ships only the compiled JavaScript: Node does not strip types
// under node_modules, so there the sources could not run even if they were present.
const SOURCE = new URL('../src/cli/main.ts', import.meta.url);
const COMPILED = new URL('../dist/server/src/cli/main.js', import.meta.url);
const installed = fileURLToPath(import.meta.url)
  .split(sep)
  .includes('node_modules');

if (!installed && existsSync(SOURCE)) {
  await import(SOURCE.href);
} else if (existsSync(COMPILED)) {
  await import(COMPILED.href);
} else {
  process.stderr.write(
    `Tessera's compiled server is missing (${fileURLToPath(COMPILED)}): run \`npm run build\`.\n`,
  );
  process.exit(1);
}
