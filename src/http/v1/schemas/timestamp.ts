import { z } from 'zod';

/** Instants go out as ISO 8601 strings in UTC (`2025-06-01T12:00:00.000Z`). */
export const timestampSchema = z.iso.datetime();

export const toTimestamp = (date: Date): string => date.toISOString();

export const toOptionalTimestamp = (date: Date | null): string | null => (date ? date.toISOString() : null);
