import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { ROOT } from './processes.ts';

/**
 * Reads a V8 .cpuprofile (node --cpu-prof) and answers where the time went: the functions with
 * the most self time, and self time per area (a package in node_modules, a folder of src/, node's
 * internals, GC, idle). Used by `run.ts --profile` and by `node bench/profile-summary.ts FILE`.
 */
type CallFrame = { functionName: string; url: string; lineNumber: number; columnNumber: number };
type ProfileNode = { id: number; callFrame: CallFrame; children?: number[] };
type CpuProfile = {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
};

export type ProfileSummary = {
  file: string;
  totalMs: number;
  /** Time not spent idle: what the percentages below are shares of. */
  busyMs: number;
  functions: { name: string; where: string; selfMs: number; share: number }[];
  areas: { area: string; selfMs: number; share: number }[];
  /** Time with the function anywhere on the stack (each sample counted once per function). */
  inclusive: { name: string; where: string; totalMs: number; share: number }[];
};

const shortUrl = (url: string) => {
  if (!url) return '';
  const path = url.startsWith('file://') ? new URL(url).pathname : url;
  return path.startsWith(ROOT) ? relative(ROOT, path) : path;
};

export const areaOf = (frame: CallFrame): string => {
  const { functionName, url } = frame;
  if (!url) {
    if (functionName.startsWith('(')) return functionName; // (garbage collector), (idle), (program)
    return '(native)';
  }
  const path = shortUrl(url);
  const inModules = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path);
  if (inModules?.[1]) return inModules[1];
  if (path.startsWith('node:')) return 'node internals';
  const inSrc = /^src\/([^/]+)/.exec(path);
  if (inSrc?.[1]) return `src/${inSrc[1].replace(/\.ts$/, '')}`;
  return path;
};

export const summarizeProfile = (file: string, top = 20): ProfileSummary => {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const selfByNode = new Map<number, number>();
  profile.samples.forEach((id, index) => {
    selfByNode.set(id, (selfByNode.get(id) ?? 0) + (profile.timeDeltas[index] ?? 0));
  });

  const functions = new Map<string, { name: string; where: string; self: number }>();
  const areas = new Map<string, number>();
  let total = 0;
  let idle = 0;
  for (const [id, micros] of selfByNode) {
    const frame = byId.get(id)?.callFrame;
    if (!frame) continue;
    total += micros;
    if (frame.functionName === '(idle)') idle += micros;
    const where = frame.url ? `${shortUrl(frame.url)}:${frame.lineNumber + 1}` : '';
    const key = `${frame.functionName}@${where}`;
    const entry = functions.get(key) ?? { name: frame.functionName || '(anonymous)', where, self: 0 };
    entry.self += micros;
    functions.set(key, entry);
    const area = areaOf(frame);
    areas.set(area, (areas.get(area) ?? 0) + micros);
  }
  const busy = total - idle;

  // Inclusive time: walk each sample's stack to the root once, crediting every distinct function.
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const keyOf = (frame: CallFrame) =>
    `${frame.functionName || '(anonymous)'}@${frame.url ? `${shortUrl(frame.url)}:${frame.lineNumber + 1}` : ''}`;
  const inclusive = new Map<string, number>();
  profile.samples.forEach((id, index) => {
    const micros = profile.timeDeltas[index] ?? 0;
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const frame = byId.get(at)?.callFrame;
      if (!frame || frame.functionName === '(root)' || frame.functionName === '(idle)') continue;
      const key = keyOf(frame);
      if (seen.has(key)) continue;
      seen.add(key);
      inclusive.set(key, (inclusive.get(key) ?? 0) + micros);
    }
  });
  const share = (micros: number) => Math.round((micros / Math.max(busy, 1)) * 1000) / 10;
  return {
    file,
    totalMs: Math.round(total / 1000),
    busyMs: Math.round(busy / 1000),
    functions: [...functions.values()]
      .filter((entry) => entry.name !== '(idle)')
      .sort((a, b) => b.self - a.self)
      .slice(0, top)
      .map((entry) => ({
        name: entry.name,
        where: entry.where,
        selfMs: Math.round(entry.self / 1000),
        share: share(entry.self),
      })),
    areas: [...areas.entries()]
      .filter(([area]) => area !== '(idle)')
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([area, micros]) => ({ area, selfMs: Math.round(micros / 1000), share: share(micros) })),
    inclusive: [...inclusive.entries()]
      .filter(([key]) => !key.includes('@node:') && !key.endsWith('@'))
      .sort((a, b) => b[1] - a[1])
      .slice(0, top * 2)
      .map(([key, micros]) => {
        const at = key.indexOf('@');
        return {
          name: key.slice(0, at),
          where: key.slice(at + 1),
          totalMs: Math.round(micros / 1000),
          share: share(micros),
        };
      }),
  };
};

export const formatProfileSummary = (summary: ProfileSummary): string => {
  const lines = [
    `${relative(ROOT, summary.file)}: ${summary.busyMs} ms busy of ${summary.totalMs} ms sampled`,
    '  self time by area:',
    ...summary.areas.map((area) => `    ${area.share.toFixed(1).padStart(5)}%  ${area.area}`),
    '  top functions by self time:',
    ...summary.functions.map(
      (entry) => `    ${entry.share.toFixed(1).padStart(5)}%  ${entry.name}  ${entry.where}`,
    ),
    '  top functions by inclusive time (on the stack):',
    ...summary.inclusive.map(
      (entry) => `    ${entry.share.toFixed(1).padStart(5)}%  ${entry.name}  ${entry.where}`,
    ),
  ];
  return lines.join('\n');
};

if (import.meta.main) {
  const [file, flag, count] = process.argv.slice(2);
  if (!file) {
    console.error('Usage: node bench/lib/profile-summary.ts FILE.cpuprofile [--top N]');
    process.exit(2);
  }
  console.log(formatProfileSummary(summarizeProfile(file, flag === '--top' ? Number(count) : 25)));
}
