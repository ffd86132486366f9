/**
 * The absolute URL of a management API path, for `Location` headers and the OpenAPI `servers`.
 * The API lives at `<issuer>/v1`, so an issuer with a path (behind a proxy) keeps it.
 */
export const apiBaseUrl = (issuer: string): string => issuer.replace(/\/+$/, '');

export const apiUrl = (issuer: string, ...segments: string[]): string =>
  `${apiBaseUrl(issuer)}/v1/${segments.map(encodeURIComponent).join('/')}`;
