import { type Html, html } from '../web/html.ts';

/**
 * The user's resources as a tree. Membership applies below a resource, so a resource sits under its
 * parent when the user is a member of both; a parent the user is not a member of is shown only by
 * its reference, for context, since its details are not theirs to see.
 */
export type MyResource = {
  type: string;
  id: string;
  name: string;
  parent: { type: string; id: string } | null;
  role: string;
};

const keyOf = (ref: { type: string; id: string }) => `${ref.type}/${ref.id}`;
const singular = (type: string) => type.replace(/s$/, '');

type Options = { mayManage: (role: string) => boolean; tokensPath: (type: string, id: string) => string };

const node = (resource: MyResource, children: Map<string, MyResource[]>, options: Options): Html => {
  const below = children.get(keyOf(resource)) ?? [];
  return html`<li>
    <div class="node">
      <span class="node-type">${singular(resource.type)}</span>
      <span class="node-name">${resource.name}</span>
      <span class="mono muted">${resource.id}</span>
      <span class="node-role" title="Your role">${resource.role}</span>
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

export const resourceTree = (resources: MyResource[], options: Options): Html => {
  if (resources.length === 0) {
    return html`<p class="empty">
      You are not a member of any resource yet. The platform adds members; ask a maintainer.
    </p>`;
  }
  const sorted = [...resources].sort((a, b) => a.name.localeCompare(b.name));
  const known = new Set(sorted.map(keyOf));
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
  return html`<ul class="tree" aria-label="Your resources">
    ${roots.map((root) => node(root, children, options))}
    ${[...outside].map(
      ([parent, members]) =>
        html`<li>
          <div class="node context">
            <span class="node-type">in</span><span class="mono">${parent}</span
            ><span class="muted">(not a member)</span>
          </div>
          <ul>
            ${members.map((member) => node(member, children, options))}
          </ul>
        </li>`,
    )}
  </ul>`;
};
