import type { Metric, Registry } from 'prom-client';

/**
 * Counters and histograms for the request path, whose series are bound to their label values once
 * and then updated with plain arithmetic. prom-client's own children hash their label values into a
 * string at every `inc()`/`observe()` (about 1.5 µs per call with three labels), which the hot path
 * should not pay; these keep a number (or an array of bucket counts) per series and turn them into
 * the exposition format only when Prometheus scrapes. They are registered in a prom-client Registry
 * as any metric is: it asks each for `get()`, the shape prom-client's own metrics return.
 */
type Labels = Record<string, string>;
type Value = { value: number; labels: Labels; metricName?: string };

/**
 * One series per set of label values, however often it is bound (a provider rebuilt on a key
 * change binds its series again): a second line with the same labels would be an invalid scrape.
 */
const findOrAdd = <T extends { labels: Labels }>(series: T[], index: Map<string, T>, make: () => T): T => {
  const entry = make();
  const key = JSON.stringify(entry.labels);
  const known = index.get(key);
  if (known) return known;
  index.set(key, entry);
  series.push(entry);
  return entry;
};

const register = (registry: Registry, metric: object) =>
  // prom-client's type lists its own classes; the registry itself needs only name, help, type, get().
  registry.registerMetric(metric as unknown as Metric);

export type BoundCounter = { bind(labels: Labels): { inc(): void } };

export const createBoundCounter = (options: {
  name: string;
  help: string;
  registry: Registry;
}): BoundCounter => {
  const series: { labels: Labels; value: number }[] = [];
  const index = new Map<string, { labels: Labels; value: number }>();
  register(options.registry, {
    name: options.name,
    help: options.help,
    type: 'counter',
    aggregator: 'sum',
    get: async () => ({
      name: options.name,
      help: options.help,
      type: 'counter',
      aggregator: 'sum',
      values: series.map(({ labels, value }): Value => ({ labels, value })),
    }),
    reset: () => series.forEach((entry) => (entry.value = 0)),
  });
  return {
    bind(labels) {
      const entry = findOrAdd(series, index, () => ({ labels: { ...labels }, value: 0 }));
      return {
        inc() {
          entry.value += 1;
        },
      };
    },
  };
};

export type BoundHistogram = { bind(labels: Labels): { observe(value: number): void } };

export const createBoundHistogram = (options: {
  name: string;
  help: string;
  buckets: readonly number[];
  registry: Registry;
}): BoundHistogram => {
  const { name, buckets } = options;
  type Series = { labels: Labels; counts: Float64Array; sum: number; count: number };
  const series: Series[] = [];
  const index = new Map<string, Series>();
  const values = (): Value[] =>
    series.flatMap(({ labels, counts, sum, count }) => {
      let cumulative = 0;
      const bucketValues = buckets.map((le, index): Value => {
        cumulative += counts[index] as number;
        return { metricName: `${name}_bucket`, labels: { le: String(le), ...labels }, value: cumulative };
      });
      return [
        ...bucketValues,
        { metricName: `${name}_bucket`, labels: { le: '+Inf', ...labels }, value: count },
        { metricName: `${name}_sum`, labels, value: sum },
        { metricName: `${name}_count`, labels, value: count },
      ];
    });
  register(options.registry, {
    name,
    help: options.help,
    type: 'histogram',
    aggregator: 'sum',
    get: async () => ({ name, help: options.help, type: 'histogram', aggregator: 'sum', values: values() }),
    reset: () =>
      series.forEach((entry) => {
        entry.counts.fill(0);
        entry.sum = 0;
        entry.count = 0;
      }),
  });
  return {
    bind(labels) {
      const entry = findOrAdd(series, index, () => ({
        labels: { ...labels },
        counts: new Float64Array(buckets.length),
        sum: 0,
        count: 0,
      }));
      return {
        observe(value) {
          // The first bucket whose bound holds the value; above the last: only +Inf (the count).
          for (let index = 0; index < buckets.length; index++) {
            if (value <= (buckets[index] as number)) {
              entry.counts[index] = (entry.counts[index] as number) + 1;
              break;
            }
          }
          entry.sum += value;
          entry.count += 1;
        },
      };
    },
  };
};
