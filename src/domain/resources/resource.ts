import type { Actor } from '../actors.ts';
import type { ResourceRef } from '@tessera/verify';

export type ResourceView = {
  type: string;
  id: string;
  name: string;
  parent: ResourceRef | null;
  createdAt: Date;
  updatedAt: Date;
};

export type MyResourceView = ResourceView & {
  role: string;
  inheritedFrom: ResourceRef | null;
  /** `admin`: the role comes from being an administrator of this Tessera, not from a membership. */
  grantedBy: 'membership' | 'admin';
};

export type MemberView = {
  subjectId: string;
  subjectKind: 'user' | 'bot';
  username: string | null;
  role: string;
  createdAt: Date;
  updatedAt: Date;
};

/** The platform's resource tree and memberships, synced through the admin API (scope resources:write). */
export type ResourceService = {
  put(
    actor: Actor,
    ref: ResourceRef,
    input: { name: string; parent: ResourceRef | null },
  ): Promise<{ resource: ResourceView; created: boolean }>;
  get(actor: Actor, ref: ResourceRef): Promise<ResourceView>;
  remove(actor: Actor, ref: ResourceRef): Promise<void>;
  putMember(
    actor: Actor,
    ref: ResourceRef,
    subjectId: string,
    role: string,
  ): Promise<{ member: MemberView; created: boolean }>;
  removeMember(actor: Actor, ref: ResourceRef, subjectId: string): Promise<void>;
  listMembers(actor: Actor, ref: ResourceRef): Promise<MemberView[]>;
  /**
   * The resources the actor is a member of and everything below them, each with the actor's role
   * there (the highest that reaches it) and, when that role comes from a membership further up,
   * the resource it comes from: the console's tree. An administrator is owner of every resource
   * (see Permissions.roleOn), so theirs is every resource.
   */
  listMine(actor: Actor): Promise<MyResourceView[]>;
};
