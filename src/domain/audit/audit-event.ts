import type { Actor } from '../actors.ts';

export type AuditEventView = {
  id: string;
  occurredAt: Date;
  actor: { type: string; id: string };
  action: string;
  target: { type: string; id: string };
  ip: string | null;
  userAgent: string | null;
  details: Record<string, unknown>;
};

export type AuditQuery = {
  actorId?: string | undefined;
  action?: string | undefined;
  targetType?: string | undefined;
  targetId?: string | undefined;
  since?: Date | undefined;
  until?: Date | undefined;
  limit?: number | undefined;
  cursor?: string | undefined;
};

export type AuditService = {
  /** Admins only (scope admin). */
  list(actor: Actor, query: AuditQuery): Promise<{ items: AuditEventView[]; nextCursor: string | null }>;
};
