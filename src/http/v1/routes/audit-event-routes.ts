import type { AuditService } from '../../../domain/audit/audit-event.ts';
import { defineRoute, type Route } from '../define-route.ts';
import {
  auditEventSchema,
  auditQuerySchema,
  presentAuditEvent,
  toAuditQuery,
} from '../schemas/audit-event-json.ts';
import { pageJson, pageSchema } from '../schemas/pagination.ts';

export const createAuditEventRoutes = (deps: { audit: AuditService }): Route[] => [
  defineRoute({
    method: 'GET',
    path: '/audit-events',
    operationId: 'listAuditEvents',
    summary: 'List audit events',
    description: 'Every create, rotate, revoke, membership and client change, filtered.',
    tags: ['Audit'],
    auth: { scopes: ['admin'] },
    query: auditQuerySchema,
    responses: { 200: { description: 'A page of events.', schema: pageSchema(auditEventSchema) } },
    handler: async ({ actor, query }) => {
      return {
        status: 200,
        body: pageJson(await deps.audit.list(actor, toAuditQuery(query)), presentAuditEvent),
      };
    },
  }),
];
