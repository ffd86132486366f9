import { type Html, html } from '../web/html.ts';

/**
 * The console's one table: a caption for screen readers, a header row, and cells that carry their
 * column's name in `data-label`, which the stylesheet shows beside each value on narrow screens
 * where rows stack. Every list page (tokens, clients, webhooks, deliveries) is one of these.
 */
export type Column<Row> = {
  label: string;
  /** Read by screen readers only (an actions column). */
  hiddenLabel?: boolean;
  cell: (row: Row) => Html | string;
};

export const dataTable = <Row>(options: {
  rows: readonly Row[];
  columns: readonly (Column<Row> | false)[];
  caption: string;
  /** Shown instead of the table when there are no rows. */
  empty: Html | string;
  /** Classes beside `tokens`, the class the stylesheet styles tables by. */
  className?: string;
}): Html => {
  if (options.rows.length === 0) return html`<p class="empty">${options.empty}</p>`;
  const columns = options.columns.filter((column): column is Column<Row> => column !== false);
  return html`<table class="tokens${options.className ? ` ${options.className}` : ''}">
    <caption class="visually-hidden">
      ${options.caption}
    </caption>
    <thead>
      <tr>
        ${columns.map((column) =>
          column.hiddenLabel
            ? html`<th scope="col"><span class="visually-hidden">${column.label}</span></th>`
            : html`<th scope="col">${column.label}</th>`,
        )}
      </tr>
    </thead>
    <tbody>
      ${options.rows.map(
        (row) =>
          html`<tr>
            ${columns.map((column) => html`<td data-label="${column.label}">${column.cell(row)}</td>`)}
          </tr>`,
      )}
    </tbody>
  </table>`;
};
