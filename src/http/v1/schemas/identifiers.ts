import { z } from 'zod';

/**
 * The shapes of ids and names in paths, queries and bodies. They are checked here so a malformed
 * one is a 400 naming the parameter, before any lookup; the domain still decides what exists.
 */

export const tokenIdSchema = z
  .string()
  .regex(/^tok_[A-Za-z0-9_-]{1,64}$/, 'must be a token id (tok_…)')
  .describe('An access token id, `tok_…`.');

export const resourceTypeSchema = z
  .string()
  .regex(/^[a-z][a-z0-9-]{0,39}$/, 'must be a resource type such as groups')
  .describe('A resource type from the policy, such as `groups`, `applications` or `instances`.');

/** The platform chooses its own ids (numbers, UUIDs, slugs); the domain's rule, checked early. */
export const resourceIdSchema = z
  .string()
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/,
    'must be 1–128 letters, digits, dots, colons, dashes or underscores',
  )
  .describe("The platform's id of the resource.");

export const subjectIdSchema = z
  .string()
  .regex(/^(?:usr|bot)_[A-Za-z0-9_-]{1,64}$/, 'must be a subject id (usr_… or bot_…)')
  .describe('A subject id: `usr_…` for a user, `bot_…` for a bot.');

export const roleSchema = z
  .string()
  .regex(/^[a-z][a-z0-9-]{0,39}$/, 'must be a role such as maintainer')
  .describe('A role from the policy: owner, maintainer, developer or guest by default.');

/** RFC 6749 §3.3 scope-token: printable ASCII except space, `"` and `\`. */
export const scopeSchema = z
  .string()
  .max(128)
  .regex(/^[\x21\x23-\x5B\x5D-\x7E]+$/, 'must be a scope token')
  .describe('A scope, such as `groups:read-only` or `tokens:read`.');

/** The domain's display-name rule (it also trims), so the document can state it. */
export const displayNameSchema = z
  .string()
  .min(1)
  .max(100)
  // eslint-disable-next-line no-control-regex -- the point is to reject control characters.
  .regex(/^[^\x00-\x1F\x7F]*$/, 'must not contain control characters');

export const resourceRefSchema = z
  .object({ type: resourceTypeSchema, id: resourceIdSchema })
  .strict()
  .describe('A resource: its type and id.');
