/**
 * Where an authorization server may send a browser with a code. A redirect URI an attacker can
 * get registered steals codes, so the rules are strict (RFC 6749 §3.1.2, RFC 8252 §7, OAuth 2.1
 * §2.3): an absolute URI, no fragment, no user info, no whitespace or control characters; https —
 * except for native apps, which may also use an http loopback IP literal (any port, RFC 8252 §7.3)
 * or a private-use scheme in reverse-domain form (`com.example.app:/cb`, §7.1). Script-bearing
 * schemes (javascript:, data:, vbscript:, file:…) never qualify: they are neither https nor in
 * reverse-domain form.
 */
export type RedirectUriOwner = 'web' | 'spa' | 'native';

const MAX_LENGTH = 2000;
const LOOPBACK_HOSTS = new Set(['127.0.0.1', '[::1]']);
// A scheme with at least one dot: a reverse domain name the app's publisher controls.
const PRIVATE_USE_SCHEME = /^[a-z][a-z0-9+-]*(\.[a-z0-9+-]+)+:$/;

/** Why `value` is refused as a redirect URI of an application of type `owner`; undefined when it is fine. */
export const redirectUriProblem = (value: string, owner: RedirectUriOwner): string | undefined => {
  if (value.length > MAX_LENGTH) return `must be at most ${MAX_LENGTH} characters`;
  // eslint-disable-next-line no-control-regex -- the point is to refuse control characters.
  if (/[\s\u0000-\u001f\u007f]/.test(value)) return 'must not contain whitespace or control characters';
  const url = URL.parse(value);
  if (!url) return 'must be an absolute URI';
  if (value.includes('#')) return 'must not contain a fragment (#)';
  if (url.username || url.password) return 'must not contain user information';
  // Redirect URIs are compared as strings, but browsers follow the parsed URL: a URI the parser
  // rewrites (`https:///cb` is `https://cb/`, `HTTPS://A.test` is `https://a.test/`) would be
  // registered as one thing and followed as another.
  if (value !== url.href && `${value}/` !== url.href) return `must be written as the URL it is: ${url.href}`;
  if (url.protocol === 'https:') {
    if (!url.hostname) return 'must name a host';
    // A claimed https URI on the loopback is claimed by nobody (RFC 8252 §7.2).
    if (owner === 'native' && LOOPBACK_HOSTS.has(url.hostname))
      return 'must not use https on a loopback address for a native app (use http://127.0.0.1)';
    return undefined;
  }
  if (owner === 'native') {
    if (url.protocol === 'http:')
      return LOOPBACK_HOSTS.has(url.hostname)
        ? undefined
        : 'http is allowed only on a loopback IP literal (http://127.0.0.1 or http://[::1]) for native apps';
    if (PRIVATE_USE_SCHEME.test(url.protocol)) return undefined;
    return 'must use https, http on a loopback IP literal, or a private-use scheme in reverse-domain form (com.example.app:/callback)';
  }
  return 'must use https';
};
