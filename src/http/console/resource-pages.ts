import type { Router } from '@koa/router';
import type { Context } from 'koa';
import { html } from '../web/html.ts';
import type { ConsoleKit, SignedIn } from './console-kit.ts';
import { resourceTree, singular, type MyResource } from './resource-tree-view.ts';
import {
  listQuery,
  messagesView,
  pageStatus,
  registerTokenCollection,
  takeMessages,
  type TokenFormState,
  type TokenPage,
  tokenListView,
} from './token-collection-pages.ts';
import { apiFailureView } from './api-failure-view.ts';
import type { ApiReply } from './management-api-client.ts';
import { emptyTokenForm } from './token-form.ts';
import { tokenFormView } from './token-form-view.ts';

/**
 * The resources the user is a member of (an administrator: every resource), as a tree, and for those they maintain or own,
 * "Settings → Access tokens": the resource's tokens, each with its bot, and an Add form with a role.
 */
type Params = Record<string, string | undefined>;

/** A resource's tokens in the management API; the console's page of them is the same path under /console. */
const apiPath = ({ type = '', id = '' }: Params) =>
  `/resources/${encodeURIComponent(type)}/${encodeURIComponent(id)}/access-tokens`;
const basePath = (params: Params) => `/console${apiPath(params)}`;

export const registerResourcePages = (router: Router, kit: ConsoleKit): void => {
  const { policy } = kit;
  const myResources = (user: SignedIn): Promise<ApiReply<{ data: MyResource[] }>> =>
    user.api.get<{ data: MyResource[] }>('/me/resources');
  const creators = policy.definition.tokenCreatorRoles.join(' or ');

  router.get('/console/resources', async (ctx) => {
    const user = await kit.signedIn(ctx);
    if (!user) return;
    const [resources, me] = await Promise.all([
      myResources(user),
      user.api.get<{ grantable_scopes: string[] }>('/me'),
    ]);
    // An administrator holds the scope admin, and the role owner on every resource.
    const admin = me.ok && me.body.grantable_scopes.includes('admin');
    kit.render(ctx, user, {
      title: 'Resources',
      section: 'resources',
      status: resources.ok ? undefined : resources.status,
      main: html`<div class="page-head">
          <div>
            <h1>Resources</h1>
            <p class="lead">
              ${
                admin
                  ? `As an administrator of this Tessera you are ${policy.roles[0] ?? 'owner'} of every resource: all of them are here, and you manage their access tokens.`
                  : `The groups, applications and instances you are a member of. Where you are ${creators}, you manage their access tokens.`
              }
            </p>
          </div>
        </div>
        ${
          resources.ok
            ? resourceTree(resources.body.data, {
                mayManage: (role) => policy.mayCreateResourceTokens(role),
                tokensPath: (type, id) => basePath({ type, id }),
                admin,
              })
            : apiFailureView({
                title: 'Your resources could not be listed',
                problem: resources.problem,
                back: { href: '/console/tokens', label: 'Back to your access tokens' },
              })
        }`,
    });
  });

  /** The page of one resource's tokens, or why the user may not see them. */
  const showTokens = async (ctx: Context, user: SignedIn, form: TokenFormState) => {
    const type = ctx.params.type ?? '';
    const id = ctx.params.id ?? '';
    const base = basePath(ctx.params);
    const { state, cursor } = listQuery(ctx);
    const [resources, list] = await Promise.all([
      myResources(user),
      user.api.get<TokenPage>(apiPath(ctx.params), { state, limit: '50', cursor }),
    ]);
    const resource = resources.ok
      ? resources.body.data.find((entry) => entry.type === type && entry.id === id)
      : undefined;
    // The resource's name; its type and id go beside it. Without the name (the tree could not be
    // read), the type and id are all there is.
    const label = resource?.name ?? `${type}/${id}`;
    const reference = html`<span class="mono muted resource-ref">${type}/${id}</span>`;
    if (!list.ok && (list.status === 403 || list.status === 404)) {
      const forbidden = list.status === 403;
      kit.render(ctx, user, {
        title: forbidden ? 'Not allowed' : 'Not found',
        section: 'resources',
        status: list.status,
        main: html`<div class="card">
          <h1>${forbidden ? `You cannot manage the access tokens of ${label}` : 'No such resource'}</h1>
          ${resource ? html`<p>${reference}</p>` : ''}
          <p>
            ${
              forbidden
                ? `Access tokens of a resource are managed by its ${policy.definition.tokenCreatorRoles.join(' and ')}s${resource ? `; you are ${resource.role}` : ''}.`
                : `${type}/${id} does not exist, or you are not a member of it.`
            }
          </p>
          <p class="actions">
            <a class="button button-secondary" href="/console/resources">Back to resources</a>
          </p>
        </div>`,
      });
      return;
    }
    const ownRole = resource?.role;
    const choices = policy.roles.filter(
      (role) => ownRole === undefined || policy.roleRank(role) <= policy.roleRank(ownRole),
    );
    const resourceScopes = new Set(
      [...policy.allowedByRole(ownRole ?? (policy.roles[0] as string), type)].filter(
        (scope) => policy.scopeType(scope) !== undefined,
      ),
    );
    const messages = await takeMessages(kit, user, base);
    const lowest = choices.at(-1) ?? '';
    kit.render(ctx, user, {
      title: `Access tokens of ${label}`,
      section: 'resources',
      status: pageStatus(form, list),
      main: html`<nav class="breadcrumbs" aria-label="Breadcrumbs">
          <ol>
            <li><a href="/console/resources">Resources</a></li>
            <li>${label}${resource ? html` ${reference}` : ''}</li>
            <li aria-current="page">Settings → Access tokens</li>
          </ol>
        </nav>
        <div class="page-head">
          <div>
            <h1>Access tokens of ${label}</h1>
            ${resource ? html`<p class="resource-ref-line">${singular(type)} ${reference}</p>` : ''}
            <p class="lead">
              Each token acts as its own bot, a member of <span class="mono">${type}/${id}</span> with the
              role you give it: it works on this resource and below it, never elsewhere.
            </p>
          </div>
        </div>
        ${messagesView(messages)}
        ${tokenFormView({
          action: base,
          csrfToken: user.csrfToken,
          values: form.values ?? emptyTokenForm(lowest),
          errors: form.errors,
          policy,
          offered: resourceScopes,
          maxLifetimeDays: kit.maxLifetimeDays,
          now: kit.now(),
          roles: {
            choices,
            ownRole: ownRole ?? 'inherited',
            resourceLabel: label,
            rolesAllowing: (scope) => choices.filter((role) => policy.allowedByRole(role, type).has(scope)),
          },
        })}
        ${tokenListView({
          pagePath: base,
          state,
          list,
          caption: `Access tokens of ${label}`,
          resourceTokens: true,
          expiringSoon: { now: kit.now(), days: kit.expiringSoonDays, csrfToken: user.csrfToken },
          noActiveTokens: 'This resource has no active access tokens.',
        })}`,
    });
  };

  registerTokenCollection(router, kit, {
    route: '/console/resources/:type/:id/access-tokens',
    section: 'resources',
    kind: 'resource',
    pagePath: basePath,
    apiPath,
    show: showTokens,
  });
};
