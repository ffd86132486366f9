import { createPublicKey, type KeyObject } from 'node:crypto';

/**
 * The public keys that sign GitHub secret-scanning partner alerts, by key identifier. Accepted in
 * two shapes, so an operator can paste either: a map `{"<key id>": "<PEM>"}`, or GitHub's own
 * published document `{"public_keys":[{"key_identifier":"…","key":"<PEM>"}]}`. Each must be an
 * EC P-256 public key (the alerts are ECDSA P-256 / SHA-256).
 */
export type SecretScanningKeys = ReadonlyMap<string, KeyObject>;

const entriesOf = (parsed: unknown): [string, unknown][] => {
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new Error('must be a JSON object: {"<key id>": "<PEM>"} or {"public_keys": [...]}');
  }
  const document = parsed as { public_keys?: unknown };
  if (document.public_keys === undefined) return Object.entries(parsed);
  if (!Array.isArray(document.public_keys)) throw new Error('public_keys must be an array');
  return document.public_keys.map((entry, index) => {
    const { key_identifier: id, key } = (entry ?? {}) as { key_identifier?: unknown; key?: unknown };
    if (typeof id !== 'string' || id === '')
      throw new Error(`public_keys[${index}].key_identifier is missing`);
    return [id, key];
  });
};

/** Parses and checks the keys; throws a message saying which key is wrong. */
export const parseSecretScanningKeys = (json: string): SecretScanningKeys => {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    throw new Error('is not valid JSON');
  }
  const keys = new Map<string, KeyObject>();
  for (const [id, pem] of entriesOf(parsed)) {
    if (typeof pem !== 'string') throw new Error(`key ${id} must be a PEM string`);
    let key: KeyObject;
    try {
      key = createPublicKey(pem);
    } catch {
      throw new Error(`key ${id} is not a PEM public key`);
    }
    if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
      throw new Error(`key ${id} must be an EC P-256 public key`);
    }
    keys.set(id, key);
  }
  if (keys.size === 0) throw new Error('holds no key');
  return keys;
};
