import { z } from 'zod';
import { invalidInput } from '../../errors.ts';
import { STREAM_STATUSES } from '../../domain/ssf/ssf-vocabulary.ts';

/** The request bodies of the SSF endpoints (SSF 1.0 §8, RFC 8936), checked before any work. */
const delivery = z
  .object({
    method: z.string().min(1),
    endpoint_url: z.string().max(2048).optional(),
    authorization_header: z.string().max(4096).optional(),
  })
  .strict();

export const streamInputSchema = z
  .object({
    stream_id: z.string().optional(),
    events_requested: z.array(z.string().max(512)).max(32).optional(),
    delivery: delivery.optional(),
    description: z.string().max(1024).optional(),
    // Members the transmitter sets; a receiver may echo them back (SSF §8.1.1.3 PUT).
    iss: z.string().optional(),
    aud: z.union([z.string(), z.array(z.string())]).optional(),
    events_supported: z.array(z.string()).optional(),
    events_delivered: z.array(z.string()).optional(),
  })
  .strict();

export const statusInputSchema = z
  .object({
    stream_id: z.string().min(1),
    status: z.enum(STREAM_STATUSES as [string, ...string[]]),
    reason: z.string().max(1024).optional(),
  })
  .strict();

export const verificationInputSchema = z
  .object({ stream_id: z.string().min(1), state: z.string().max(1024).optional() })
  .strict();

/** SSF §8.1.3.2/3: a subject to add or remove; Tessera names subjects with opaque identifiers. */
export const subjectInputSchema = z
  .object({
    stream_id: z.string().min(1),
    subject: z.object(
      {
        format: z.literal('opaque', {
          message: 'Tessera names subjects in the opaque format: a user, client or token identifier',
        }),
        id: z.string().min(1).max(256),
      },
      { message: 'required: {"format": "opaque", "id": "…"}' },
    ),
    verified: z.boolean().optional(),
  })
  .strict();

export const pollInputSchema = z
  .object({
    maxEvents: z.int().min(0).max(1000).optional(),
    returnImmediately: z.boolean().optional(),
    ack: z.array(z.string().max(256)).max(1000).optional(),
    setErrs: z
      .record(z.string(), z.object({ err: z.string(), description: z.string().optional() }))
      .optional(),
  })
  .strict();

/** Parses `body` or answers a 400 naming the first wrong member as a JSON pointer. */
export const parseBody = <T>(schema: z.ZodType<T>, body: unknown): T => {
  const parsed = schema.safeParse(body ?? {});
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const pointer = `/${(issue?.path ?? []).map(String).join('/')}`;
  throw invalidInput(`${pointer === '/' ? 'the body' : pointer}: ${issue?.message ?? 'invalid'}`);
};
