import type { Command } from 'commander';
import type { UserView } from '../../domain/users/user-service.ts';
import type { MemberView, ResourceView } from '../../domain/resources/resource.ts';
import type { CommandContext } from '../command-context.ts';
import { type Json, printFields, printJson, printTable } from '../output.ts';
import { parseResourceRef } from '../resource-ref.ts';

const FLAGS = { name: '--name', parent: '--parent', role: '--role', type: 'TYPE', id: 'ID' };

const resourceJson = (resource: Json<ResourceView>) => ({
  type: resource.type,
  id: resource.id,
  name: resource.name,
  parent: resource.parent,
  created_at: resource.createdAt,
  updated_at: resource.updatedAt,
});

const memberJson = (member: Json<MemberView>) => ({
  subject_id: member.subjectId,
  subject_kind: member.subjectKind,
  username: member.username,
  role: member.role,
  created_at: member.createdAt,
  updated_at: member.updatedAt,
});

export const registerResourceCommands = (program: Command, context: CommandContext): void => {
  const group = program
    .command('resources')
    .description("the platform's resources (groups, applications, instances) and their members");

  /** A member is named by subject id (usr_…, bot_…) or by username. */
  const subjectId = async (subject: string) => {
    if (/^(usr|bot)_/.test(subject)) return subject;
    const users = (await context.admin('users.list', undefined)) as Json<UserView>[];
    return users.find((user) => user.username.toLowerCase() === subject.toLowerCase())?.id ?? subject;
  };

  group
    .command('put')
    .description('create or update a resource')
    .argument('<type>', 'resource type, e.g. groups')
    .argument('<id>', "the platform's id for it")
    .requiredOption('--name <name>', 'display name')
    .option('--parent <type/id>', 'the parent resource, e.g. groups/42', parseResourceRef('--parent'))
    .option('--json', 'print JSON')
    .action(async (type: string, id: string, options) =>
      context.run(FLAGS, async () => {
        const { resource, created } = (await context.admin('resources.put', {
          ref: { type, id },
          name: options.name,
          parent: options.parent ?? null,
        })) as { resource: Json<ResourceView>; created: boolean };
        if (options.json) printJson({ ...resourceJson(resource), created });
        else process.stdout.write(`${created ? 'created' : 'updated'} ${type}/${id}\n`);
      }),
    );

  group
    .command('delete')
    .description('delete a resource without sub-resources; its members and resource access tokens go with it')
    .argument('<type>', 'resource type')
    .argument('<id>', 'resource id')
    .option('--json', 'print JSON')
    .action(async (type: string, id: string, options) =>
      context.run(FLAGS, async () => {
        await context.admin('resources.delete', { ref: { type, id } });
        if (options.json) printJson({ deleted: `${type}/${id}` });
        else process.stdout.write(`deleted ${type}/${id}\n`);
      }),
    );

  const members = group.command('members').description("a resource's members and their roles");

  members
    .command('list')
    .description('list the members of a resource')
    .argument('<type>', 'resource type')
    .argument('<id>', 'resource id')
    .option('--json', 'print JSON')
    .action(async (type: string, id: string, options) =>
      context.run(FLAGS, async () => {
        const list = (await context.admin('resources.members.list', {
          ref: { type, id },
        })) as Json<MemberView>[];
        if (options.json) printJson(list.map(memberJson));
        else printTable(list, ['subjectId', 'subjectKind', 'username', 'role']);
      }),
    );

  members
    .command('put')
    .description('give a user a role on a resource (and its sub-resources)')
    .argument('<type>', 'resource type')
    .argument('<id>', 'resource id')
    .argument('<subject>', 'user id (usr_…) or username')
    .requiredOption('--role <role>', 'owner, maintainer, developer or guest')
    .option('--json', 'print JSON')
    .action(async (type: string, id: string, subject: string, options) =>
      context.run(FLAGS, async () => {
        const { member, created } = (await context.admin('resources.members.put', {
          ref: { type, id },
          subjectId: await subjectId(subject),
          role: options.role,
        })) as { member: Json<MemberView>; created: boolean };
        if (options.json) printJson({ ...memberJson(member), created });
        else
          printFields({
            resource: `${type}/${id}`,
            member: member.username ?? member.subjectId,
            role: member.role,
          });
      }),
    );

  members
    .command('delete')
    .description('remove a member from a resource')
    .argument('<type>', 'resource type')
    .argument('<id>', 'resource id')
    .argument('<subject>', 'user id (usr_…) or username')
    .option('--json', 'print JSON')
    .action(async (type: string, id: string, subject: string, options) =>
      context.run(FLAGS, async () => {
        const removed = await subjectId(subject);
        await context.admin('resources.members.delete', { ref: { type, id }, subjectId: removed });
        if (options.json) printJson({ removed, resource: `${type}/${id}` });
        else process.stdout.write(`removed ${subject} from ${type}/${id}\n`);
      }),
    );
};
