import { type Html, html } from '../web/html.ts';

/**
 * The user's resources as a tree: those they are a member of and everything below them (a
 * membership applies below its resource), each with the role that reaches it. A parent above all of
 * the user's memberships is shown only by its reference, for context: its details are not theirs.
 */
export type MyResource = {
  type: string;
  id: string;
  name: string;
  parent: { type: string; id: string } | null;
  role: string;
  /** Where the role comes from when it is not a membership on this resource. */
  inherited_from: { type: string; id: string } | null;
  /** `admin`: the user administers this Tessera, owner of every resource without a membership. */
  granted_by: 'membership' | 'admin';
};

const keyOf = (ref: { type: string; id: string }) => `${ref.type}/${ref.id}`;
export const singular = (type: string) => type.replace(/s$/, '');

type Options = {
  mayManage: (role: string) => boolean;
  /** The user administers this Tessera: the list is every resource, not their memberships. */
  admin?: boolean;
  tokensPath: (type: string, id: string) => string;
  nameOf: (ref: { type: string; id: string }) => string;
};

const node = (resource: MyResource, children: Map<string, MyResource[]>, options: Options): Html => {
  const below = children.get(keyOf(resource)) ?? [];
  return html`<li>
    <div class="node">
      <span class="node-type">${singular(resource.type)}</span>
      <span class="node-name">${resource.name}</span>
      <span class="mono muted">${resource.id}</span>
      <span class="node-role" title="Your role">${resource.role}</span>
      ${
        resource.granted_by === 'admin'
          ? html`<span class="muted">as administrator</span>`
          : resource.inherited_from
            ? html`<span class="muted">from ${options.nameOf(resource.inherited_from)}</span>`
            : ''
      }
      ${
        options.mayManage(resource.role)
          ? html`<span class="node-actions"
              ><a
                class="button button-small button-secondary"
                href="${options.tokensPath(resource.type, resource.id)}"
                aria-label="Settings → Access tokens of ${resource.name}"
                >Settings → Access tokens</a
              ></span
            >`
          : ''
      }
    </div>
    ${
      below.length > 0
        ? html`<ul>
            ${below.map((child) => node(child, children, options))}
          </ul>`
        : ''
    }
  </li>`;
};

export const resourceTree = (resources: MyResource[], options: Omit<Options, 'nameOf'>): Html => {
  if (resources.length === 0) {
    return options.admin
      ? html`<p class="empty">
          There are no resources yet. The platform creates them through the management API (<span class="mono"
            >PUT /v1/resources/{type}/{id}</span
          >).
        </p>`
      : html`<p class="empty">
          You are not a member of any resource yet. The platform adds members; ask a maintainer.
        </p>`;
  }
  const sorted = [...resources].sort((a, b) => a.name.localeCompare(b.name));
  const byKey = new Map(sorted.map((resource) => [keyOf(resource), resource]));
  const known = new Set(byKey.keys());
  const withNames: Options = { ...options, nameOf: (ref) => byKey.get(keyOf(ref))?.name ?? keyOf(ref) };
  const children = new Map<string, MyResource[]>();
  const outside = new Map<string, MyResource[]>();
  const roots: MyResource[] = [];
  for (const resource of sorted) {
    const parent = resource.parent;
    if (!parent) roots.push(resource);
    else if (known.has(keyOf(parent)))
      children.set(keyOf(parent), [...(children.get(keyOf(parent)) ?? []), resource]);
    else outside.set(keyOf(parent), [...(outside.get(keyOf(parent)) ?? []), resource]);
  }
  return html`<ul class="tree" aria-label="${options.admin ? 'All resources' : 'Your resources'}">
    ${roots.map((root) => node(root, children, withNames))}
    ${[...outside].map(
      ([parent, members]) =>
        html`<li>
          <div class="node context">
            <span class="node-type">in</span><span class="mono">${parent}</span
            ><span class="muted">(not a member)</span>
          </div>
          <ul>
            ${members.map((member) => node(member, children, withNames))}
          </ul>
        </li>`,
    )}
  </ul>`;
};
