/**
 * The platform's own objects, as the example API keeps them: groups contain applications, which
 * contain instances. In a real platform this is your database; what matters for authorization is
 * that every object can name its ancestors, because a resource access token (RAT) made for a
 * group also acts on everything below that group.
 *
 * Tessera holds the same tree (ids and parent links only), synced by the platform through
 * `tessera resources put` or `PUT /v1/resources/{type}/{id}`.
 */
export type ResourceType = 'groups' | 'applications' | 'instances';
export type ResourceRef = { type: ResourceType; id: string };
export type Resource = ResourceRef & { name: string; parent: ResourceRef | null };

/** A resource as `requireScope` wants it: the resource and its ancestors, nearest first. */
export type Target = ResourceRef & { ancestors: ResourceRef[] };

export type ResourceTree = ReturnType<typeof createResourceTree>;

const key = (type: string, id: string) => `${type}/${id}`;

/** The demo tree: groups 42 and 43, each with one application and one instance. */
export const DEMO_TREE: Resource[] = [
  { type: 'groups', id: '42', name: 'Platform', parent: null },
  { type: 'applications', id: '7', name: 'Shop', parent: { type: 'groups', id: '42' } },
  { type: 'instances', id: '9', name: 'Shop EU', parent: { type: 'applications', id: '7' } },
  { type: 'groups', id: '43', name: 'Data', parent: null },
  { type: 'applications', id: '8', name: 'Warehouse', parent: { type: 'groups', id: '43' } },
  { type: 'instances', id: '10', name: 'Warehouse US', parent: { type: 'applications', id: '8' } },
];

export const createResourceTree = (resources: readonly Resource[] = DEMO_TREE) => {
  const byKey = new Map(resources.map((resource) => [key(resource.type, resource.id), { ...resource }]));

  const find = (type: ResourceType, id: string): Resource | undefined => byKey.get(key(type, id));

  return {
    find,

    /**
     * What the request acts on. An unknown id has no ancestors: a RAT is then refused (403) before
     * the handler can say 404, so a RAT learns nothing about objects outside its subtree.
     */
    target(type: ResourceType, id: string): Target {
      const ancestors: ResourceRef[] = [];
      for (let parent = find(type, id)?.parent; parent; parent = find(parent.type, parent.id)?.parent) {
        ancestors.push({ type: parent.type, id: parent.id });
      }
      return { type, id, ancestors };
    },

    rename(type: ResourceType, id: string, name: string): Resource | undefined {
      const resource = find(type, id);
      if (resource) resource.name = name;
      return resource;
    },

    remove: (type: ResourceType, id: string): boolean => byKey.delete(key(type, id)),
  };
};
