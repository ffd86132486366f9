import { z } from 'zod';
import type { UserService, UserView } from '../../../domain/users/user-service.ts';
import { apiUrl } from '../api-url.ts';
import { defineRoute, type Route } from '../define-route.ts';
import { timestampSchema, toOptionalTimestamp, toTimestamp } from '../schemas/timestamp.ts';

/** People who sign in (what `tessera users` does), for administrators. A password is never answered. */
const TAGS = ['Users'];
const ADMIN = { scopes: ['admin'] } as const;
const onUser = z.strictObject({
  username: z.string().min(1).max(64).describe('The username.'),
});

const userSchema = z
  .object({
    id: z.string().describe('`usr_…`: the `sub` of their tokens.'),
    username: z.string(),
    admin: z.boolean(),
    email: z.string().nullable().describe('Where expiry and idle notices are e-mailed; null: none.'),
    disabled_at: timestampSchema.nullable(),
    created_at: timestampSchema,
  })
  .meta({ id: 'User', description: 'A person who signs in to Tessera.' });

const present = (user: UserView): z.input<typeof userSchema> => ({
  id: user.id,
  username: user.username,
  admin: user.isAdmin,
  email: user.email,
  disabled_at: toOptionalTimestamp(user.disabledAt),
  created_at: toTimestamp(user.createdAt),
});

export const createUserRoutes = (deps: {
  users: Pick<UserService, 'create' | 'list' | 'setDisabled'>;
  issuer: string;
}): Route[] => [
  defineRoute({
    method: 'POST',
    path: '/users',
    operationId: 'createUser',
    summary: 'Create a user',
    tags: TAGS,
    auth: ADMIN,
    body: z
      .strictObject({
        username: z.string().max(64).describe('1–64 letters, digits, dots, dashes or underscores.'),
        password: z.string().max(1024).describe('At least 12 characters; stored only as an Argon2id hash.'),
        admin: z.boolean().default(false).describe('Every scope, and owner of every resource.'),
        email: z
          .string()
          .max(254)
          .optional()
          .describe('Where expiry and idle notices are e-mailed (with TESSERA_SMTP_URL).'),
      })
      .meta({ id: 'UserCreate' }),
    responses: {
      201: {
        description: 'Created.',
        schema: userSchema,
        headers: { Location: { description: 'The URL of the user.' } },
      },
      409: { description: 'The username is taken.' },
    },
    handler: async ({ actor, body }) => {
      const user = await deps.users.create(actor, {
        username: body.username,
        password: body.password,
        isAdmin: body.admin,
        email: body.email,
      });
      return {
        status: 201,
        body: present(user),
        headers: { Location: apiUrl(deps.issuer, 'users', user.username) },
      };
    },
  }),
  defineRoute({
    method: 'GET',
    path: '/users',
    operationId: 'listUsers',
    summary: 'List users',
    tags: TAGS,
    auth: ADMIN,
    responses: { 200: { description: 'Every user.', schema: z.object({ data: z.array(userSchema) }) } },
    handler: async () => ({ status: 200, body: { data: (await deps.users.list()).map(present) } }),
  }),
  defineRoute({
    method: 'PATCH',
    path: '/users/:username',
    operationId: 'updateUser',
    summary: 'Disable or enable a user',
    description: "Disabling stops the user's tokens at once and ends their sign-ins.",
    tags: TAGS,
    auth: ADMIN,
    params: onUser,
    body: z.strictObject({ disabled: z.boolean() }).meta({ id: 'UserUpdate' }),
    responses: {
      200: { description: 'Changed.', schema: userSchema },
      404: { description: 'No such user.' },
    },
    handler: async ({ actor, params, body }) => ({
      status: 200,
      body: present(await deps.users.setDisabled(actor, params.username, body.disabled)),
    }),
  }),
];
