import { type Html, html } from '../web/html.ts';
import type { Problem } from './management-api-client.ts';

/**
 * What a console page shows where the management API refused to answer (a bad cursor, a filter it
 * does not take): the problem's own words and a way back — never an empty list, which would say
 * "you have none" when the truth is "this could not be read".
 */
export type ApiFailure = {
  /** What could not be shown: "Your tokens could not be listed". */
  title: string;
  problem: Problem;
  back: { href: string; label: string };
};

/** The problem's detail and, when they add something, the details of its individual errors. */
export const problemDetails = (problem: Problem): string[] => {
  const detail = problem.detail ?? `The management API answered ${problem.status}.`;
  const more = (problem.errors ?? [])
    .filter((error) => error.detail !== detail)
    .map((error) => {
      const where = error.parameter ?? error.pointer?.replace(/^\//, '');
      // "cursor: cursor is not…" says the name twice.
      return where && !error.detail.startsWith(`${where} `) ? `${where}: ${error.detail}` : error.detail;
    });
  return [detail, ...more];
};

export const apiFailureView = (failure: ApiFailure): Html => {
  const [detail, ...more] = problemDetails(failure.problem);
  return html`<section
    class="notice notice-error api-failure"
    role="alert"
    aria-labelledby="api-failure-title"
  >
    <h2 id="api-failure-title">${failure.title}</h2>
    <p>${detail}</p>
    ${
      more.length > 0
        ? html`<ul>
            ${more.map((text) => html`<li>${text}</li>`)}
          </ul>`
        : ''
    }
    <p><a class="button button-secondary" href="${failure.back.href}">${failure.back.label}</a></p>
  </section>`;
};
