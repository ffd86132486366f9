/**
 * Tessera's own management API is an API resource too (created by a migration): clients get JWTs
 * for it with client_credentials, the console gets them for its user, and PATs reach it when
 * their audience allows. The identifier is a URN so it survives a change of issuer URL.
 */
export const MANAGEMENT_API = 'urn:tessera:management';
