/**
 * A Prometheus text exposition (format 0.0.4) read into samples, and the metric families it
 * declares (`# TYPE` lines): what a test needs to assert counters moved and names exist.
 */
export type Sample = { name: string; labels: Record<string, string>; value: number };
export type Scrape = { samples: Sample[]; families: Map<string, string> };

const SAMPLE = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})?\s+(\S+)/;
const LABEL = /(\w+)="((?:[^"\\]|\\.)*)"/g;

export const parseScrape = (text: string): Scrape => {
  const samples: Sample[] = [];
  const families = new Map<string, string>();
  for (const line of text.split('\n')) {
    const type = /^# TYPE (\S+) (\S+)/.exec(line);
    if (type) families.set(type[1] as string, type[2] as string);
    if (line.startsWith('#') || line.trim() === '') continue;
    const match = SAMPLE.exec(line);
    if (!match) throw new Error(`not a sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const [, key, value] of (match[2] ?? '').matchAll(LABEL))
      labels[key as string] = (value as string).replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
    samples.push({ name: match[1] as string, labels, value: Number(match[3]) });
  }
  return { samples, families };
};

export const scrape = async (url: string): Promise<Scrape> => {
  const response = await fetch(url);
  if (response.status !== 200) throw new Error(`${url} answered ${response.status}`);
  return parseScrape(await response.text());
};

/** The sum of the samples named `name` whose labels include `labels` (0 when there is none). */
export const valueOf = (scraped: Scrape, name: string, labels: Record<string, string> = {}): number =>
  scraped.samples
    .filter((sample) => sample.name === name)
    .filter((sample) => Object.entries(labels).every(([key, value]) => sample.labels[key] === value))
    .reduce((sum, sample) => sum + sample.value, 0);
