/**
 * HTML built from template literals, escaped by default: every interpolated value is text unless
 * it is itself `Html` (made by this tag or `trustedHtml`). Pages are small, so string building is
 * all the templating they need, and a value can only become markup on purpose.
 */
export type Html = { readonly html: string };

type Interpolated = Html | string | number | boolean | null | undefined | readonly Interpolated[];

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

export const escapeHtml = (text: string): string => text.replace(/[&<>"']/g, (c) => ESCAPES[c] as string);

const isHtml = (value: unknown): value is Html =>
  typeof value === 'object' && value !== null && !Array.isArray(value) && 'html' in value;

const render = (value: Interpolated): string => {
  if (value === null || value === undefined || value === false) return '';
  if (Array.isArray(value)) return value.map(render).join('');
  if (isHtml(value)) return value.html;
  return escapeHtml(String(value));
};

export const html = (strings: TemplateStringsArray, ...values: Interpolated[]): Html => ({
  html: strings.reduce(
    (out, text, index) => out + text + (index < values.length ? render(values[index] as Interpolated) : ''),
    '',
  ),
});

/** Markup from a source that is not user input (the provider's own logout form). */
export const trustedHtml = (markup: string): Html => ({ html: markup });
