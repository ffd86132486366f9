import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { ROOT } from './tessera-process.ts';

/**
 * The metric names a PromQL expression reads: what is left once strings, label matchers, range
 * selectors, grouping clauses, Grafana variables, numbers and durations are taken out, minus
 * function names (followed by `(`) and keywords. Enough for the expressions of deploy/, which a
 * test checks against a real scrape.
 */
const KEYWORDS = new Set([
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'bool',
  'and',
  'or',
  'unless',
  'offset',
  'inf',
  'nan',
]);

export const metricNames = (expression: string): string[] => {
  const stripped = expression
    .replace(/label_values\(\s*([^,)]+?)\s*,\s*\w+\s*\)/g, '$1')
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, ' ')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ')
    .replace(/\$\{?\w+\}?/g, ' ')
    .replace(/(^|[^\w:])\d+(?:\.\d+)?(?:e[+-]?\d+|ms|[smhdwy])?\b/gi, '$1 ');
  const names = new Set<string>();
  for (const match of stripped.matchAll(/[a-zA-Z_:][\w:]*(?=\s*(\(?))/g)) {
    const [name, call] = [match[0], match[1]];
    if (call === '(' || KEYWORDS.has(name.toLowerCase())) continue;
    names.add(name);
  }
  return [...names];
};

type Rules = { groups: { rules: { alert?: string; record?: string; expr: string }[] }[] };

/** Every alert of deploy/prometheus/alerts.yml: its name and expression. */
export const alertExpressions = (): { where: string; expr: string }[] =>
  (parse(readFileSync(join(ROOT, 'deploy/prometheus/alerts.yml'), 'utf8')) as Rules).groups.flatMap((group) =>
    group.rules.map((rule) => ({ where: `alert ${rule.alert ?? rule.record}`, expr: rule.expr })),
  );

type Target = { expr?: string };
type Panel = { title?: string; targets?: Target[]; panels?: Panel[] };
type Dashboard = {
  panels: Panel[];
  templating: { list: { name: string; query?: string | { query?: string } }[] };
};

/** Every PromQL expression of deploy/grafana/tessera.json: panel targets and template variable queries. */
export const dashboardExpressions = (): { where: string; expr: string }[] => {
  const dashboard = JSON.parse(readFileSync(join(ROOT, 'deploy/grafana/tessera.json'), 'utf8')) as Dashboard;
  const panels = (list: Panel[]): Panel[] => list.flatMap((panel) => [panel, ...panels(panel.panels ?? [])]);
  const targets = panels(dashboard.panels).flatMap((panel) =>
    (panel.targets ?? []).flatMap((target) =>
      target.expr ? [{ where: `panel "${panel.title}"`, expr: target.expr }] : [],
    ),
  );
  const variables = dashboard.templating.list.flatMap((variable) => {
    const query = typeof variable.query === 'string' ? undefined : variable.query?.query;
    return query ? [{ where: `variable $${variable.name}`, expr: query }] : [];
  });
  return [...targets, ...variables];
};
