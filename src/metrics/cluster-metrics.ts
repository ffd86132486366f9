import { AggregatorRegistry, type Registry } from 'prom-client';
import type { MetricsSource } from './metrics-server.ts';

/**
 * `tessera serve --workers N`: each worker counts in its own registry, and only the primary
 * listens on TESSERA_METRICS_PORT — were the workers to share that port, each scrape would reach
 * one worker at random and every counter would jump between their values. The primary asks every
 * worker over the cluster's IPC channel at each scrape and adds them up (prom-client's
 * AggregatorRegistry): counters and histograms are summed, `tessera_ready` and
 * `tessera_store_connected` take the lowest worker's value, key ages the highest.
 */
export const shareWithPrimary = (registry: Registry): void => {
  AggregatorRegistry.setRegistries([registry]);
  // Its construction installs the worker's answer to the primary's requests.
  new AggregatorRegistry();
};

export const clusterMetricsSource = (): MetricsSource => {
  const aggregator = new AggregatorRegistry();
  return { render: () => aggregator.clusterMetrics(), contentType: aggregator.contentType };
};
