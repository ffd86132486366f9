import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { generateKeyPair, SignJWT } from 'jose';
import { createPepperHash } from '../../../src/crypto/pepper-hash.ts';
import { mintToken } from '../../../src/domain/access-tokens/mint-token.ts';
import { parseToken } from '@tessera/verify/token-format';

/**
 * The README's token regular expressions are what self-hosters paste into secret scanners: they
 * must find every token Tessera mints, inside surrounding text, and nothing that is merely close.
 */
const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');

const documented = (label: string): RegExp => {
  const start = readme.indexOf('\n## Report a leaked token\n');
  assert.ok(start >= 0, 'the README has a "Report a leaked token" section');
  const section = readme.slice(start, readme.indexOf('\n## ', start + 1));
  const row = section.split('\n').find((line) => line.startsWith(`| ${label}`));
  assert.ok(row, `the README documents a regular expression for ${label}`);
  const pattern = /\|[^|]*\|\s*`([^`]+)`/.exec(row)?.[1];
  assert.ok(pattern, `the ${label} row holds a regular expression in backticks`);
  return new RegExp(pattern, 'g');
};

const hash = createPepperHash('p'.repeat(32), 'access-token');
const found = (regex: RegExp, text: string) => [...text.matchAll(regex)].map((match) => match[0]);

describe('the README token regular expressions', () => {
  for (const [label, kind, prefix] of [
    ['personal access token', 'personal', 'tsr_pat_'],
    ['resource access token', 'resource', 'tsr_rat_'],
  ] as const) {
    test(`find every minted ${label}, in text, and nothing else`, () => {
      const regex = documented(label);
      for (let i = 0; i < 200; i += 1) {
        const { token } = mintToken(kind, hash);
        assert.deepEqual(found(regex, `export TOKEN="${token}"\n`), [token]);
        assert.deepEqual(found(regex, `token: ${token}`), [token]);
      }
    });

    test(`reject near-misses of a ${label}`, () => {
      const regex = documented(label);
      const { token } = mintToken(kind, hash);
      const body = token.slice(prefix.length);
      const nearMisses = [
        token.slice(0, -1), // one character short
        `${token}A`, // one character long
        `${prefix.toUpperCase()}${body}`,
        `${prefix.replace('_', '-')}${body}`,
        `x${token}`, // inside a longer word
        `${prefix}${body.slice(0, 20)}-${body.slice(21)}`, // a character outside base62
        `tsr_xat_${body}`,
      ];
      for (const miss of nearMisses) assert.deepEqual(found(regex, ` ${miss} `), [], miss);
    });

    test(`a ${label} that matches the pattern but not its checksum is refused without a lookup`, () => {
      const { token } = mintToken(kind, hash);
      const last = token.at(-1) === 'A' ? 'B' : 'A';
      const typo = `${token.slice(0, -1)}${last}`;
      assert.deepEqual(found(documented(label), typo), [typo]);
      assert.equal(parseToken(typo), undefined);
      assert.equal(parseToken(token), kind);
    });
  }

  test('find a JWT access token, and not a dotted word', async () => {
    const regex = documented('JWT access token');
    const { privateKey } = await generateKeyPair('ES256');
    const jwt = await new SignJWT({ client_id: 'cl_1', scope: 'groups:read-only' })
      .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid: 'k1' })
      .setIssuer('https://auth.example.test')
      .setSubject('cl_1')
      .setAudience('https://api.example.test')
      .setIssuedAt()
      .setExpirationTime('5m')
      .setJti('j1')
      .sign(privateKey);
    assert.deepEqual(found(regex, `Authorization: Bearer ${jwt}\n`), [jwt]);
    assert.deepEqual(found(regex, 'see eyJhbGci.example.com and a.b.c'), []);
  });
});
