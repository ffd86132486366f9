import type { Check, Row } from '../scenarios/scenario.ts';
import type { Summary } from './stats.ts';

/** The console report: one table of rows, the per-core limits, PASS/FAIL per target. */
const table = (header: string[], rows: string[][], rightAligned: Set<number>): string => {
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)),
  );
  const line = (cells: string[]) =>
    cells
      .map((cell, column) =>
        rightAligned.has(column) ? cell.padStart(widths[column] ?? 0) : cell.padEnd(widths[column] ?? 0),
      )
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((width) => '-'.repeat(width))), ...rows.map(line)].join('\n');
};

const number = (value: number, digits = 0) =>
  value.toLocaleString('en', { minimumFractionDigits: digits, maximumFractionDigits: digits });
const ms = (value: number) => (value < 10 ? value.toFixed(2) : value.toFixed(1));

export type ReportRow = Row & { number: number | string };

export const rowsTable = (rows: ReportRow[]): string =>
  table(
    [
      '#',
      'scenario',
      'target',
      'req/s',
      'p50 ms',
      'p99 ms',
      'errors',
      'CPU ms/req',
      'srv cores',
      'vs baseline',
    ],
    rows.map((row) => [
      String(row.number),
      row.label,
      row.target,
      number(row.summary.requestsPerSecond),
      ms(row.summary.p50Ms),
      ms(row.summary.p99Ms),
      String(row.summary.errors),
      row.summary.serverCpuMsPerRequest.toFixed(3),
      // Below ~0.9 the server was not CPU-bound: something else (a shared machine) took the core.
      row.summary.serverCpuShare.toFixed(2),
      row.vsBaseline
        ? `${row.vsBaseline.requestsPerSecond.toFixed(2)}× req/s, ${row.vsBaseline.p99.toFixed(2)}× p99, ${row.vsBaseline.cpuPerRequest.toFixed(2)}× CPU/req`
        : '',
    ]),
    new Set([3, 4, 5, 6, 7, 8]),
  );

const formatValue = (check: Check) =>
  check.unit === '×'
    ? `${check.value.toFixed(2)}×`
    : check.unit === 'B'
      ? `${Math.round(check.value)} B`
      : `${check.value} errors`;
const formatLimit = (check: Check) =>
  check.unit === '×'
    ? `${check.limit.toFixed(2)}×`
    : check.unit === 'B'
      ? `${check.limit} B`
      : String(check.limit);

export const checkLine = (check: Check): string => {
  const relation = check.comparison === 'at-least' ? '≥' : '≤';
  const margin =
    check.unit === 'errors'
      ? ''
      : check.pass
        ? ` (${(check.margin * 100).toFixed(0)}% headroom)`
        : ` (missed by ${(-check.margin * 100).toFixed(0)}%)`;
  return `${check.pass ? 'PASS' : 'FAIL'}  ${check.name}: ${formatValue(check)} ${relation} ${formatLimit(check)}${margin}`;
};

export const limitsLine = (es256: number | undefined, koa: Summary | undefined): string => {
  const parts: string[] = [];
  if (es256 !== undefined) parts.push(`ES256 signatures ${number(es256)}/s (node:crypto, one thread)`);
  if (koa)
    parts.push(
      `bare koa ${number(koa.requestsPerSecond)} req/s, p99 ${ms(koa.p99Ms)} ms, ${koa.serverCpuMsPerRequest.toFixed(3)} CPU ms/req` +
        (koa.loaderCpuShare > 0.9 ? ' (load generator saturated: a lower bound)' : ''),
    );
  return parts.length > 0 ? `per-core limits: ${parts.join('; ')}` : '';
};
