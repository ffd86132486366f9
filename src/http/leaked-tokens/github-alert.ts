import { verify } from 'node:crypto';
import { z } from 'zod';
import type { SecretScanningKeys } from '../../config/secret-scanning-keys.ts';
import { AppError, invalidInput } from '../../errors.ts';

/**
 * GitHub's secret scanning partner program: GitHub POSTs the tokens it found as a JSON array of
 * `{token, type, url, source}`, signed with ECDSA P-256 / SHA-256 over the raw body (a base64 DER
 * signature in `Github-Public-Key-Signature`, the key named by `Github-Public-Key-Identifier`),
 * and expects, for each token, `{token_raw, token_type, label}` back.
 */
export const KEY_ID_HEADER = 'github-public-key-identifier';
export const SIGNATURE_HEADER = 'github-public-key-signature';

const alertSchema = z
  .array(
    z.object({
      token: z.string().min(1).max(8192),
      type: z.string().max(256),
      url: z.string().max(4096).optional(),
      source: z.string().max(256).optional(),
    }),
    // zod's own message would say "array"; the partner program's format is what the sender needs.
  )
  .max(1000);

export type GithubAlert = z.infer<typeof alertSchema>[number];

export type GithubLabel = {
  token_raw: string;
  token_type: string;
  label: 'true_positive' | 'false_positive';
};

const unauthorized = (message: string) =>
  new AppError('unauthorized', message, {
    headers: { 'WWW-Authenticate': 'Signature realm="github-secret-scanning"' },
  });

/** Whether the request claims to be a signed alert (then it must be a valid one). */
export const isGithubAlert = (header: (name: string) => string): boolean =>
  header(KEY_ID_HEADER) !== '' || header(SIGNATURE_HEADER) !== '';

/** The key id of a correctly signed body; 401 with the reason otherwise. */
export const verifyGithubSignature = (
  keys: SecretScanningKeys,
  header: (name: string) => string,
  body: Buffer,
): string => {
  const keyId = header(KEY_ID_HEADER);
  const signature = header(SIGNATURE_HEADER);
  if (keyId === '') throw unauthorized('the Github-Public-Key-Identifier header is missing');
  if (signature === '') throw unauthorized('the Github-Public-Key-Signature header is missing');
  if (keys.size === 0) {
    throw unauthorized(
      'this server accepts no secret scanning alerts (TESSERA_SECRET_SCANNING_KEYS is not set)',
    );
  }
  const key = keys.get(keyId);
  if (!key) throw unauthorized(`unknown Github-Public-Key-Identifier ${JSON.stringify(keyId.slice(0, 128))}`);
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(signature)) {
    throw unauthorized('the Github-Public-Key-Signature header is not base64');
  }
  let valid: boolean;
  try {
    valid = verify('sha256', body, { key, dsaEncoding: 'der' }, Buffer.from(signature, 'base64'));
  } catch {
    valid = false; // not a DER ECDSA signature at all
  }
  if (!valid) throw unauthorized('the Github-Public-Key-Signature does not match the body for this key');
  return keyId;
};

/** The alert's tokens, or a 400 that says what is wrong with the body. */
export const parseGithubAlert = (body: Buffer): GithubAlert[] => {
  let json: unknown;
  try {
    json = JSON.parse(body.toString('utf8'));
  } catch {
    throw invalidInput(
      'the body is not JSON: a secret scanning alert is a JSON array of {token, type, url, source}',
    );
  }
  const parsed = alertSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.length
      ? `$${issue.path.map((part) => (typeof part === 'number' ? `[${part}]` : `.${String(part)}`)).join('')}`
      : 'the body';
    throw invalidInput(
      `${where}: ${issue?.message ?? 'invalid'}; a secret scanning alert is a JSON array (at most 1000) of {token, type, url, source}`,
    );
  }
  return parsed.data;
};
