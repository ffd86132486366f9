import type { Router } from '@koa/router';
import type { Context } from 'koa';
import { type Html, html } from '../web/html.ts';
import type { ConsoleKit, SignedIn } from './console-kit.ts';
import { deleteTokenPage } from './delete-token-page.ts';
import { resourceTree, type MyResource } from './resource-tree-view.ts';
import {
  emptyTokenForm,
  formErrorsFromProblem,
  readTokenForm,
  type TokenFormErrors,
  type TokenFormValues,
  tokenRequestBody,
} from './token-form.ts';
import { tokenFormView } from './token-form-view.ts';
import {
  confirmation,
  newTokenNotice,
  STATES,
  type StateFilter,
  stateFilters,
  type TokenJson,
  tokenTable,
} from './token-list-view.ts';

/**
 * The resources the user is a member of, as a tree, and for those they maintain or own,
 * "Settings → Access tokens": the resource's tokens, each with its bot, and an Add form with a role.
 */
type TokenPage = { data: TokenJson[]; next_cursor: string | null };

const basePath = (type: string, id: string) =>
  `/console/resources/${encodeURIComponent(type)}/${encodeURIComponent(id)}/access-tokens`;
const apiPath = (type: string, id: string) =>
  `/resources/${encodeURIComponent(type)}/${encodeURIComponent(id)}/access-tokens`;

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
        ${resourceTree(resources, { mayManage: (role) => policy.mayCreateResourceTokens(role), tokensPath: basePath })}`,
    });
  });

  /** The page of one resource's tokens; undefined after answering when the user may not see it. */
  const showTokens = async (
    ctx: Context,
    user: SignedIn,
    form: { values?: TokenFormValues; errors: TokenFormErrors; status?: number },
  ) => {
    const type = ctx.params.type ?? '';
    const id = ctx.params.id ?? '';
    const base = basePath(type, id);
    const state: StateFilter = (STATES as readonly unknown[]).includes(ctx.query.state)
      ? (ctx.query.state as StateFilter)
      : 'active';
    const cursor = typeof ctx.query.cursor === 'string' ? ctx.query.cursor : undefined;
    const [resources, list] = await Promise.all([
      myResources(user),
      user.api.get<TokenPage>(apiPath(type, id), { state, limit: '50', cursor }),
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
    const { newToken, notice } = user.session;
    if (newToken?.where === base || notice) {
      user.session.newToken = newToken?.where === base ? undefined : newToken;
      user.session.notice = undefined;
      await kit.sessions.save(user.session);
    }
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
        ${newToken?.where === base ? newTokenNotice(newToken) : ''} ${confirmation(notice)}
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
        <h2>${state === 'active' ? 'Active access tokens' : 'Access tokens'}</h2>
        ${stateFilters(base, state)}
        ${tokenTable({
          tokens: list.body.data,
          caption: `Access tokens of ${label}`,
          deleteBase: base,
          resourceTokens: true,
          emptyText:
            state === 'active' ? 'This resource has no active access tokens.' : `No ${state} tokens.`,
        })}
        ${list.body.next_cursor ? html`<p class="pager"><a href="${base}?state=${state}&amp;cursor=${list.body.next_cursor}">Next page</a></p>` : ''}` as Html,
    });
  };

  router.get('/console/resources/:type/:id/access-tokens', async (ctx) => {
    const user = await kit.signedIn(ctx);
    if (user) await showTokens(ctx, user, { errors: {} });
  });

  router.post('/console/resources/:type/:id/access-tokens', async (ctx) => {
    const user = await kit.signedIn(ctx);
    const form = user && (await kit.readPost(ctx, user));
    if (!user || !form) return;
    const type = ctx.params.type ?? '';
    const id = ctx.params.id ?? '';
    const values = readTokenForm(form);
    const request = tokenRequestBody(values, {
      withRole: true,
      neverAllowed: kit.maxLifetimeDays === undefined,
    });
    if ('errors' in request) return showTokens(ctx, user, { values, errors: request.errors });
    const created = await user.api.post<{ id: string; name: string; token: string }>(
      apiPath(type, id),
      request.body,
    );
    if (!created.ok) {
      return showTokens(ctx, user, { values, errors: formErrorsFromProblem(created.problem) });
    }
    user.session.newToken = {
      id: created.body.id,
      name: created.body.name,
      token: created.body.token,
      where: basePath(type, id),
    };
    await kit.sessions.save(user.session);
    kit.seeOther(ctx, basePath(type, id));
  });

  router.get('/console/resources/:type/:id/access-tokens/:tokenId/delete', async (ctx) => {
    const user = await kit.signedIn(ctx);
    if (!user) return;
    const base = basePath(ctx.params.type ?? '', ctx.params.id ?? '');
    const token = await user.api.get<TokenJson>(
      `${apiPath(ctx.params.type ?? '', ctx.params.id ?? '')}/${encodeURIComponent(ctx.params.tokenId ?? '')}`,
    );
    if (!token.ok || token.body.state !== 'active') return kit.seeOther(ctx, base);
    kit.render(ctx, user, {
      title: `Delete ${token.body.name}`,
      section: 'resources',
      main: deleteTokenPage({
        token: token.body,
        action: `${base}/${token.body.id}/delete`,
        back: base,
        csrfToken: user.csrfToken,
      }),
    });
  });

  router.post('/console/resources/:type/:id/access-tokens/:tokenId/delete', async (ctx) => {
    const user = await kit.signedIn(ctx);
    const form = user && (await kit.readPost(ctx, user));
    if (!user || !form) return;
    const type = ctx.params.type ?? '';
    const id = ctx.params.id ?? '';
    const revoked = await user.api.delete<TokenJson>(
      `${apiPath(type, id)}/${encodeURIComponent(ctx.params.tokenId ?? '')}`,
    );
    user.session.notice = revoked.ok
      ? `The token “${revoked.body.name}” was deleted and its bot removed: it no longer works.`
      : 'That token was already gone.';
    await kit.sessions.save(user.session);
    kit.seeOther(ctx, basePath(type, id));
  });
};
