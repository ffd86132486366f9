import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { generateSigningKey } from '../../../src/keys/generate-key.ts';
import type { SigningAlg, SigningKey } from '../../../src/keys/signing-key.ts';

/** A fresh keys directory (that does not exist yet) under a temporary folder removed after the test. */
export const tempKeysDir = async (t: TestContext): Promise<string> => {
  const root = await mkdtemp(join(tmpdir(), 'tessera-keys-'));
  t.after(() => rm(root, { recursive: true, force: true }));
  return join(root, 'keys');
};

/** A key of `alg` with the given times; key generation is the slow part, so tests share few. */
export const keyWith = async (
  alg: SigningAlg,
  createdAt: number,
  activatesAt = createdAt,
): Promise<SigningKey> => generateSigningKey(alg, { now: createdAt, activatesAt });

export const T0 = 1_750_000_000;
