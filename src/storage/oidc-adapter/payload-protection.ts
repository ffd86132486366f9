import type { SealedBox } from '../../crypto/sealed-box.ts';
import type { AdapterPayload } from './contract.ts';

/**
 * What both adapters write instead of oidc-provider's payload, and how they read it back: the
 * "nothing bearer-capable at rest" rule of contract.ts, kept in one place.
 *
 * - `jti` is dropped: the adapter is handed the id on `find` and puts it back. Models that are
 *   found by uid or user code cannot do that, so they keep it, sealed.
 * - The other ids an entry carries (a session's uid, a device's user code, the grant id; the
 *   session cookie, session uid, device code, PAR id and resume URL an Interaction points at) are
 *   sealed together in one box, so a payload pays the AES-GCM overhead once and a dump shows no id
 *   of any other entry. A ClientCredentials token has none of them and is stored with no box at
 *   all: its memory footprint in Redis stays small.
 */
export type StoredPayload = Record<string, unknown>;

export type PayloadProtection = {
  protect(model: string, payload: AdapterPayload): StoredPayload;
  /**
   * Undefined when the box cannot be opened (another pepper, tampering): the entry is then as
   * good as absent. `id` is the id the entry was found by, when it was.
   */
  reveal(stored: StoredPayload, id?: string): AdapterPayload | undefined;
};

/** Models looked up by something other than their id (findByUid, findByUserCode, …). */
const KEEPS_SEALED_JTI = new Set(['Session', 'DeviceCode', 'BackchannelAuthenticationRequest']);

/** Top-level fields sealed wherever they appear (`returnTo` embeds the Interaction's id). */
const SEALED_FIELDS = [
  'uid',
  'userCode',
  'grantId',
  'sessionUid',
  'deviceCode',
  'parJti',
  'returnTo',
] as const;
/** Fields of an Interaction's `session` reference: the session cookie value and the session uid. */
const SEALED_SESSION_FIELDS = ['cookie', 'uid'] as const;

/** Property name of the sealed box inside a stored payload; oidc-provider never uses it. */
const BOX = '$sealed';

type Secrets = {
  jti?: string;
  fields?: Record<string, string>;
  session?: Record<string, string>;
};

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

export const createPayloadProtection = (sealedBox: SealedBox): PayloadProtection => ({
  protect(model, payload) {
    const { jti, ...rest } = payload;
    const stored: StoredPayload = rest;
    const secrets: Secrets = {};

    if (typeof jti === 'string' && KEEPS_SEALED_JTI.has(model)) secrets.jti = jti;

    for (const field of SEALED_FIELDS) {
      const value = stored[field];
      if (typeof value === 'string') {
        secrets.fields ??= {};
        secrets.fields[field] = value;
        delete stored[field];
      }
    }

    const session = stored.session;
    if (isRecord(session)) {
      const remaining = { ...session };
      for (const field of SEALED_SESSION_FIELDS) {
        const value = remaining[field];
        if (typeof value === 'string') {
          secrets.session ??= {};
          secrets.session[field] = value;
          delete remaining[field];
        }
      }
      stored.session = remaining;
    }

    if (secrets.jti !== undefined || secrets.fields || secrets.session) {
      stored[BOX] = sealedBox.seal(JSON.stringify(secrets));
    }
    return stored;
  },

  reveal(stored, id) {
    const { [BOX]: box, ...rest } = stored;
    const payload: AdapterPayload = { ...rest };
    let secrets: Secrets = {};
    if (typeof box === 'string') {
      const opened = sealedBox.open(box);
      if (opened === undefined) return undefined;
      secrets = JSON.parse(opened) as Secrets;
    }

    const jti = id ?? secrets.jti;
    if (jti !== undefined) payload.jti = jti;
    Object.assign(payload, secrets.fields);
    if (secrets.session) {
      payload.session = {
        ...(isRecord(payload.session) ? payload.session : {}),
        ...secrets.session,
      };
    }
    return payload;
  },
});
