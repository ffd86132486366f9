import { pino, type Logger } from 'pino';

export type { Logger };

/**
 * Structured JSON logs. Request lines carry the path without its query string (a query can carry
 * codes or tokens), and anything that could hold a credential is redacted by path as a second net.
 */
export const createLogger = (level: string, destination?: pino.DestinationStream): Logger =>
  pino(
    {
      level,
      base: { service: 'tessera', pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: {
        paths: [
          '*.authorization',
          '*.cookie',
          '*.client_secret',
          '*.clientSecret',
          '*.token',
          '*.access_token',
          '*.refresh_token',
          '*.password',
          'headers.authorization',
          'headers.cookie',
        ],
        censor: '[redacted]',
      },
    },
    destination,
  );
