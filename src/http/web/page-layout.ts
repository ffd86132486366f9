import { type Html, html } from './html.ts';
import { assetUrl } from './static-assets.ts';

/**
 * The frame of every page: the sign-in and consent pages (a narrow card) and the console (a top bar
 * with navigation, who is signed in and a sign-out button).
 */
export type ConsoleSection = 'tokens' | 'resources' | 'applications' | 'webhooks' | 'clients';

export type SignedInChrome = {
  username: string;
  /** The console session's CSRF token, for the sign-out form. */
  csrfToken: string;
  current: ConsoleSection | undefined;
  /** Administrators also see the admin-only pages (Clients) in the navigation. */
  admin?: boolean;
};

export type PageOptions = {
  title: string;
  main: Html;
  signedIn?: SignedInChrome | undefined;
  /** A narrow centred card: sign-in, consent and message pages. */
  card?: boolean;
};

const navLink = (href: string, label: string, current: boolean) =>
  html`<a href="${href}" ${current ? html` aria-current="page"` : ''}>${label}</a>`;

const topBar = (signedIn: SignedInChrome | undefined) =>
  html`<header class="topbar">
    <a class="brand" href="/console"><span class="brand-mark" aria-hidden="true"></span>Tessera</a>
    ${
      signedIn
        ? html`<nav class="topnav" aria-label="Console">
              ${navLink('/console/tokens', 'Access tokens', signedIn.current === 'tokens')}
              ${navLink('/console/resources', 'Resources', signedIn.current === 'resources')}
              ${navLink('/console/applications', 'Applications', signedIn.current === 'applications')}
              ${navLink('/console/webhooks', 'Webhooks', signedIn.current === 'webhooks')}
              ${signedIn.admin ? navLink('/console/clients', 'Clients', signedIn.current === 'clients') : ''}
            </nav>
            <div class="account">
              <span class="account-name">Signed in as <strong>${signedIn.username}</strong></span>
              <form method="post" action="/console/sign-out">
                <input type="hidden" name="csrf" value="${signedIn.csrfToken}" />
                <button type="submit" class="button button-quiet">Sign out</button>
              </form>
            </div>`
        : ''
    }
  </header>`;

export const renderPage = (options: PageOptions): string =>
  html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>${options.title} · Tessera</title>
        <link rel="icon" href="data:," />
        <link rel="stylesheet" href="${assetUrl('tessera.css')}" />
        <script type="module" src="${assetUrl('tessera.js')}"></script>
      </head>
      <body>
        <a class="skip-link" href="#main">Skip to content</a>
        ${topBar(options.signedIn)}
        <main id="main" class="${options.card ? 'container card-layout' : 'container'}" tabindex="-1">
          ${options.main}
        </main>
      </body>
    </html> `.html;
