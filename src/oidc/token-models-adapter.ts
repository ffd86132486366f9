import type { AdapterPayload, OidcAdapter, OidcAdapterFactory } from '../storage/oidc-adapter/contract.ts';
import { looksLikeTesseraToken } from '@tessera/verify/token-format';

/**
 * Access tokens, client credentials tokens and refresh tokens share one key space in the token
 * store. Introspection and revocation without a `token_type_hint` look a value up under all three
 * models at once; with one key space that is one hash and one round trip instead of three. Each
 * model still sees only its own entries (the payload's `kind`), and PATs and RATs — Tessera's,
 * never the library's — are not looked up at all.
 */
export const TOKEN_MODELS = new Set(['AccessToken', 'ClientCredentials', 'RefreshToken']);
/** The model name the three share in the token store. */
export const TOKEN_STORE_MODEL = 'Token';

export const createTokenModelAdapters = (factory: OidcAdapterFactory): ((model: string) => OidcAdapter) => {
  const store = factory(TOKEN_STORE_MODEL);
  const inFlight = new Map<string, Promise<AdapterPayload | undefined>>();
  const findOnce = (id: string) => {
    let pending = inFlight.get(id);
    if (!pending) {
      pending = store.find(id).finally(() => inFlight.delete(id));
      inFlight.set(id, pending);
    }
    return pending;
  };
  return (model) => ({
    ...store,
    async find(id) {
      if (looksLikeTesseraToken(id)) return undefined;
      const payload = await findOnce(id);
      return payload?.kind === model ? payload : undefined;
    },
  });
};
