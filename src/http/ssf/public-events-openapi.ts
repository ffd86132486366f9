import { z } from 'zod';
import { problemSchema } from '../problems/problem-response.ts';
import {
  pollInputSchema,
  statusInputSchema,
  streamInputSchema,
  subjectInputSchema,
  verificationInputSchema,
} from './ssf-schemas.ts';

/**
 * The OpenAPI 3.1 document of Tessera's token-event endpoints outside `/v1`: the Shared Signals
 * transmitter and POST /leaked-tokens (served at GET /ssf/openapi.json). Request bodies come from
 * the zod schemas the routes validate with, so they cannot drift; `/v1/openapi.json` stays the
 * management API's own document.
 */
type Json = Record<string, unknown>;

const schema = (value: z.ZodType): Json => {
  const {
    $schema: _dialect,
    $defs,
    ...rest
  } = z.toJSONSchema(value, { target: 'draft-2020-12', io: 'input', unrepresentable: 'any' });
  // A named schema (`.meta({ id })`) comes as a $ref into $defs: the definition itself is wanted.
  const named = typeof rest.$ref === 'string' ? $defs?.[rest.$ref.replace('#/$defs/', '')] : undefined;
  return (named ?? rest) as Json;
};

const problem = (description: string) => ({
  description,
  content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
});
const json = (description: string, body: Json = { type: 'object' }) => ({
  description,
  content: { 'application/json': { schema: body } },
});
const jsonBody = (value: z.ZodType) => ({
  required: true,
  content: { 'application/json': { schema: schema(value) } },
});
const streamId = { name: 'stream_id', in: 'query', required: true, schema: { type: 'string' } };
const receiverErrors = {
  '400': problem('The body or a parameter is malformed; `detail` names it.'),
  '401': problem('No bearer token, or one that is malformed, unknown, expired or revoked.'),
  '403': problem('The token lacks the `ssf` scope, or is not a client’s.'),
  '404': problem('No such stream of this client.'),
  default: problem('Any other error, such as 503 when storage is unavailable.'),
};
const secured = { security: [{ bearer: ['ssf'] }] };

export const createPublicEventsOpenApi = (issuer: string) => ({
  openapi: '3.1.1',
  info: {
    title: 'Tessera token events: Shared Signals and leaked-token reports',
    version: '1',
    description:
      'The Shared Signals Framework 1.0 transmitter (streams managed by receivers holding a management API token with the `ssf` scope; SETs verified against /jwks) and the public leaked-token report.',
  },
  servers: [{ url: issuer }],
  paths: {
    '/.well-known/ssf-configuration': {
      get: {
        operationId: 'getSsfConfiguration',
        summary: 'Transmitter metadata',
        security: [],
        responses: { '200': json('SSF transmitter configuration metadata.') },
      },
    },
    '/ssf/streams': {
      get: {
        operationId: 'readStreams',
        summary: 'One stream (stream_id) or all of this client’s',
        ...secured,
        parameters: [{ ...streamId, required: false }],
        responses: { '200': json('A stream configuration, or a list of them.'), ...receiverErrors },
      },
      post: {
        operationId: 'createStream',
        summary: 'Create a stream (poll by default)',
        ...secured,
        requestBody: jsonBody(streamInputSchema),
        responses: { '201': json('The stream configuration.'), ...receiverErrors },
      },
      patch: {
        operationId: 'updateStream',
        summary: 'Change what is given',
        ...secured,
        requestBody: jsonBody(streamInputSchema),
        responses: { '200': json('The stream configuration.'), ...receiverErrors },
      },
      put: {
        operationId: 'replaceStream',
        summary: 'Replace the configuration',
        ...secured,
        requestBody: jsonBody(streamInputSchema),
        responses: { '200': json('The stream configuration.'), ...receiverErrors },
      },
      delete: {
        operationId: 'deleteStream',
        summary: 'Delete a stream',
        ...secured,
        parameters: [streamId],
        responses: { '204': { description: 'Deleted.' }, ...receiverErrors },
      },
    },
    '/ssf/status': {
      get: {
        operationId: 'readStreamStatus',
        summary: 'A stream’s status',
        ...secured,
        parameters: [streamId],
        responses: { '200': json('`{stream_id, status, reason?}`'), ...receiverErrors },
      },
      post: {
        operationId: 'updateStreamStatus',
        summary: 'Enable, pause or disable a stream',
        ...secured,
        requestBody: jsonBody(statusInputSchema),
        responses: { '200': json('`{stream_id, status, reason?}`'), ...receiverErrors },
      },
    },
    '/ssf/verify': {
      post: {
        operationId: 'verifyStream',
        summary: 'Queue a verification event',
        ...secured,
        requestBody: jsonBody(verificationInputSchema),
        responses: { '204': { description: 'Queued.' }, ...receiverErrors },
      },
    },
    '/ssf/subjects/add': {
      post: {
        operationId: 'addStreamSubject',
        summary: 'Resume events about a subject removed earlier (all subjects are included by default)',
        ...secured,
        requestBody: jsonBody(subjectInputSchema),
        responses: { '200': json('`{}`'), ...receiverErrors },
      },
    },
    '/ssf/subjects/remove': {
      post: {
        operationId: 'removeStreamSubject',
        summary: 'Stop events about a subject (a user, client or token identifier) on this stream',
        ...secured,
        requestBody: jsonBody(subjectInputSchema),
        responses: { '204': { description: 'Removed.' }, ...receiverErrors },
      },
    },
    '/ssf/poll/{stream_id}': {
      post: {
        operationId: 'pollStream',
        summary: 'RFC 8936 poll: acknowledge, then take SETs (waits up to 10 s unless returnImmediately)',
        ...secured,
        parameters: [{ name: 'stream_id', in: 'path', required: true, schema: { type: 'string' } }],
        requestBody: jsonBody(pollInputSchema),
        responses: { '200': json('`{sets: {<jti>: <SET>}, moreAvailable}`'), ...receiverErrors },
      },
    },
    '/leaked-tokens': {
      post: {
        operationId: 'reportLeakedToken',
        summary: 'Report a Tessera token found in public; it is revoked',
        security: [],
        parameters: [
          { name: 'Github-Public-Key-Identifier', in: 'header', required: false, schema: { type: 'string' } },
          {
            name: 'Github-Public-Key-Signature',
            in: 'header',
            required: false,
            schema: { type: 'string' },
            description: 'base64 DER ECDSA P-256 SHA-256 signature of the raw body',
          },
        ],
        requestBody: {
          required: true,
          content: {
            'application/x-www-form-urlencoded': {
              schema: {
                type: 'object',
                required: ['token'],
                properties: { token: { type: 'string' }, url: { type: 'string', format: 'uri' } },
              },
            },
            'application/json': {
              schema: {
                description: 'A GitHub secret scanning alert (with both Github-Public-Key-* headers).',
                type: 'array',
                items: {
                  type: 'object',
                  required: ['token', 'type'],
                  properties: {
                    token: { type: 'string' },
                    type: { type: 'string' },
                    url: { type: 'string' },
                    source: { type: 'string' },
                  },
                },
              },
            },
          },
        },
        responses: {
          '202': json('The public form: always this answer, whether or not the token existed.', {
            type: 'object',
            properties: { status: { const: 'received' }, detail: { type: 'string' } },
          }),
          '200': json('A signed GitHub alert: one label per token.', {
            type: 'array',
            items: {
              type: 'object',
              properties: {
                token_raw: { type: 'string' },
                token_type: { type: 'string' },
                label: { enum: ['true_positive', 'false_positive'] },
              },
            },
          }),
          '400': problem(
            'No token, or a url that is not an http(s) URL, or an alert body that is not the alert format.',
          ),
          '401': problem(
            'An alert with a missing header, an unknown key id or a signature that does not match.',
          ),
          '413': problem('The body is too large.'),
          '415': problem('Neither a form nor a signed alert.'),
          '429': problem('Too many reports from this address; see Retry-After.'),
          default: problem('Any other error, such as 503 when storage is unavailable.'),
        },
      },
    },
  },
  components: {
    securitySchemes: {
      bearer: {
        type: 'http',
        scheme: 'bearer',
        description: 'A client_credentials JWT for urn:tessera:management with the `ssf` scope.',
      },
    },
    schemas: { Problem: schema(problemSchema) },
  },
});
