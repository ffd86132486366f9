import type { BenchContext, LoadPlan, Row } from '../scenarios/scenario.ts';
import type { Measurement } from './load.ts';
import { summarize } from './stats.ts';
import type { Target } from './targets.ts';

/**
 * Tessera-only scenarios whose figure is a ratio between variants (PAT vs opaque introspection,
 * 2 workers vs 1) measure them like the compared scenarios: run by run, the order reversed every
 * other run, so drift on a shared machine hits every variant alike.
 */
export type Variant = {
  label: string;
  target: Target;
  /** The load of one run; called before every run (it may mint fresh tokens). */
  plan: () => LoadPlan | Promise<LoadPlan>;
};

export const interleavedRows = async (
  ctx: BenchContext,
  scenario: string,
  variants: Variant[],
): Promise<Row[]> => {
  const measured = variants.map(() => [] as Measurement[]);
  const notes: (string | undefined)[] = variants.map(() => undefined);
  for (let run = 0; run < ctx.options.runs; run++) {
    const order = variants.map((_, index) => index);
    if (run % 2 === 1) order.reverse();
    for (const index of order) {
      const variant = variants[index] as Variant;
      const { note, ...plan } = await variant.plan();
      ctx.log(`  ${variant.label}: run ${run + 1}/${ctx.options.runs}`);
      (measured[index] as Measurement[]).push(await ctx.load(variant.target, plan));
      notes[index] = note;
    }
  }
  return variants.map((variant, index) => {
    const runs = measured[index] as Measurement[];
    const note = notes[index];
    return {
      scenario,
      label: variant.label,
      target: variant.target.name,
      summary: summarize(runs),
      runs,
      ...(note ? { note } : {}),
    };
  });
};

/** Requests/s of `row` over `reference`, medians of the same run. */
export const rateRatio = (row: Row, reference: Row): number =>
  row.summary.requestsPerSecond / reference.summary.requestsPerSecond;
