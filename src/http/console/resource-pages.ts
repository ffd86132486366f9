import type { Router } from '@koa/router';
import type { Context } from 'koa';
import { html } from '../web/html.ts';
import type { ConsoleKit, SignedIn } from './console-kit.ts';
import { resourceTree, type MyResource } from './resource-tree-view.ts';
import {
  listQuery,
  messagesView,
  registerTokenCollection,
  takeMessages,
  type TokenFormState,
  type TokenPage,
  tokenListView,
} from './token-collection-pages.ts';
import { emptyTokenForm } from './token-form.ts';
import { tokenFormView } from './token-form-view.ts';

/**
 * The resources the user is a member of, as a tree, and for those they maintain or own,
 * "Settings → Access tokens": the resource's tokens, each with its bot, and an Add form with a role.
 */
type Params = Record<string, string | undefined>;

/** A resource's tokens in the management API; the console's page of them is the same path under /console. */
const apiPath = ({ type = '', id = '' }: Params) =>
  `/resources/${encodeURIComponent(type)}/${encodeURIComponent(id)}/access-tokens`;
const basePath = (params: Params) => `/console${apiPath(params)}`;

export const registerResourcePages = (router: Router, kit: ConsoleKit): void => {
  const { policy } = kit;
  const myResources = async (user: SignedIn): Promise<MyResource[]> => {
    const reply = await user.api.get<{ data: MyResource[] }>('/me/resources');
    return reply.ok ? reply.body.data : [];
  };

  router.get('/console/resources', async (ctx) => {
    const user = await kit.signedIn(ctx);
    if (!user) return;
    const resources = await myResources(user);
    kit.render(ctx, user, {
      title: 'Resources',
      section: 'resources',
      main: html`<div class="page-head">
          <div>
            <h1>Resources</h1>
            <p class="lead">
              The groups, applications and instances you are a member of. Where you are
              ${policy.definition.tokenCreatorRoles.join(' or ')}, you manage their access tokens.
            </p>
          </div>
        </div>
        ${resourceTree(resources, { mayManage: (role) => policy.mayCreateResourceTokens(role), tokensPath: (type, id) => basePath({ type, id }) })}`,
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
    const resource = resources.find((entry) => entry.type === type && entry.id === id);
    const label = resource ? `${resource.name}` : `${type}/${id}`;
    if (!list.ok) {
      const forbidden = list.status === 403;
      kit.render(ctx, user, {
        title: forbidden ? 'Not allowed' : 'Not found',
        section: 'resources',
        status: forbidden ? 403 : 404,
        main: html`<div class="card">
          <h1>${forbidden ? `You cannot manage the access tokens of ${label}` : 'No such resource'}</h1>
          <p>
            ${
              forbidden
                ? `Access tokens of a resource are managed by its ${policy.definition.tokenCreatorRoles.join(' and ')}s${resource ? `; you are ${resource.role}` : ''}.`
                : 'It does not exist, or you are not a member of it.'
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
      status: form.status,
      main: html`<nav class="breadcrumbs" aria-label="Breadcrumbs">
          <ol>
            <li><a href="/console/resources">Resources</a></li>
            <li>${label}</li>
            <li aria-current="page">Settings → Access tokens</li>
          </ol>
        </nav>
        <div class="page-head">
          <div>
            <h1>Access tokens of ${label}</h1>
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
          page: list.body,
          caption: `Access tokens of ${label}`,
          resourceTokens: true,
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
