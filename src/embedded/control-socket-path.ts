import { join } from 'node:path';

/**
 * PGlite is a single-process database: while an embedded server runs, it alone may open the data
 * directory. It listens on this Unix socket (mode 0600: only its own user) so the CLI can ask it
 * to run administrative operations instead of opening the database a second time.
 */
export const controlSocketPath = (dataDir: string): string => join(dataDir, 'tessera.sock');
