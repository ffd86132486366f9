/** Output helpers: JSON for scripts (`--json`), aligned plain text for people. */

/** A domain value as it comes back from an admin operation: dates travel as ISO strings. */
export type Json<T> = {
  [K in keyof T]: T[K] extends Date ? string : T[K] extends Date | null ? string | null : T[K];
};
export const printJson = (value: unknown): void => {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
};

const cell = (value: unknown): string =>
  value === null || value === undefined
    ? '-'
    : Array.isArray(value)
      ? value.join(' ') || '-'
      : value instanceof Date
        ? value.toISOString()
        : String(value);

/** A column's header: its key in words, `expiresAt` → `EXPIRES AT`. */
const header = (column: string): string => column.replace(/([a-z0-9])([A-Z])/g, '$1 $2').toUpperCase();

export const printTable = (rows: Record<string, unknown>[], columns: string[]): void => {
  if (rows.length === 0) {
    process.stdout.write('(none)\n');
    return;
  }
  const cells = rows.map((row) => columns.map((column) => cell(row[column])));
  const widths = columns.map((column, index) =>
    Math.max(header(column).length, ...cells.map((line) => line[index]?.length ?? 0)),
  );
  const format = (line: string[]) =>
    line
      .map((value, index) => value.padEnd(widths[index] ?? 0))
      .join('  ')
      .trimEnd();
  process.stdout.write(`${[format(columns.map(header)), ...cells.map(format)].join('\n')}\n`);
};

export const printFields = (record: Record<string, unknown>): void => {
  const width = Math.max(...Object.keys(record).map((key) => key.length));
  for (const [key, value] of Object.entries(record)) {
    process.stdout.write(`${`${key}:`.padEnd(width + 2)}${cell(value)}\n`);
  }
};
