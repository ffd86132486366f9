import { type Html, html } from '../web/html.ts';

/** How the console writes instants: dates in UTC, spelled out, with the exact instant in `datetime`. */
const DATE = new Intl.DateTimeFormat('en-GB', {
  day: 'numeric',
  month: 'short',
  year: 'numeric',
  timeZone: 'UTC',
});
const TIME = new Intl.DateTimeFormat('en-GB', {
  hour: '2-digit',
  minute: '2-digit',
  hourCycle: 'h23',
  timeZone: 'UTC',
});

export const formatDate = (instant: Date | string): string => DATE.format(new Date(instant));

export const formatDateTime = (instant: Date | string): string =>
  `${DATE.format(new Date(instant))}, ${TIME.format(new Date(instant))} UTC`;

/** YYYY-MM-DD in UTC, as `<input type="date">` reads and writes it. */
export const isoDay = (instant: Date): string => instant.toISOString().slice(0, 10);

export const addDays = (instant: Date, days: number): Date => new Date(instant.getTime() + days * 86_400_000);

/** An instant as the console shows it: the date (and time), the exact instant as a tooltip. */
export const timeElement = (iso: string, withTime = false): Html =>
  html`<time datetime="${iso}" title="${iso}">${withTime ? formatDateTime(iso) : formatDate(iso)}</time>`;
