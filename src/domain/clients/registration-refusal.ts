import { classifyError } from '../../errors.ts';
import { RegistrationRefused, refusalOf } from './registration-metadata.ts';

/**
 * Runs a check of a self-registered client's fields and turns the domain's `invalid_input` into
 * the RFC 7591 error it is (`invalid_redirect_uri` or `invalid_client_metadata`), naming the
 * metadata member the way the client wrote it.
 */
const METADATA_NAMES: Record<string, string> = {
  name: 'client_name',
  grantTypes: 'grant_types',
  redirectUris: 'redirect_uris',
  postLogoutRedirectUris: 'post_logout_redirect_uris',
  scopes: 'scope',
  resources: 'resources (TESSERA_REGISTRATION_RESOURCES)',
};

const metadataName = (field: string): string => {
  const [head = '', ...rest] = field.split('.');
  return [METADATA_NAMES[head] ?? head, ...rest].join('.');
};

export const asRegistrationRefusal = async <T>(check: () => Promise<T>): Promise<T> => {
  try {
    return await check();
  } catch (error) {
    const classified = classifyError(error);
    if (classified.code !== 'invalid_input' || !(error instanceof Error)) throw error;
    const { fields, field } = error as { fields?: { field?: string; detail: string }[]; field?: string };
    // A single-field error's message already starts with the domain's name of the field.
    const problems = fields ?? [
      {
        field,
        detail:
          field && error.message.startsWith(field) ? error.message.slice(field.length + 1) : error.message,
      },
    ];
    // A redirect URI's problem first: it decides the error code, and oidc-provider's
    // InvalidClientMetadata calls a description that starts with redirect_uris invalid_redirect_uri.
    const ordered = problems.toSorted(
      (a, b) => Number(!a.field?.startsWith('redirectUris')) - Number(!b.field?.startsWith('redirectUris')),
    );
    const first = ordered[0] ?? { detail: error.message };
    const description = ordered
      .map(({ field, detail }) => (field ? `${metadataName(field)} ${detail}` : detail))
      .join('; ');
    throw new RegistrationRefused(refusalOf(first.field, description));
  }
};
