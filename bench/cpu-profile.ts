/**
 * Reads V8 CPU profiles (`node --cpu-prof`) and says where the time went:
 * self time by package (or by file of ours) and the busiest functions. Used by
 * the benchmarks to explain a missed target.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export interface TimeShare {
  name: string;
  ms: number;
}

export interface ProfileSummary {
  totalMs: number;
  /** Self time outside idle and garbage collection, by package or project folder. */
  byPlace: TimeShare[];
  byFunction: TimeShare[];
}

/** "mongodb", "@temporalio/worker", "api/", "(garbage collector)", "node:internal"… */
function placeOf(url: string, functionName: string): string {
  if (!url) return `(${functionName.replace(/[()]/g, '') || 'native'})`;
  const inModules = url.split('node_modules/').pop()!;
  if (inModules !== url) {
    const parts = inModules.split('/');
    return parts[0]!.startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0]!;
  }
  if (url.startsWith('node:')) return 'node (built-in modules)';
  const ours = url.match(/\/(api|activities|workflows|worker|accounts|db|domain|mail|config|test|bench)\//);
  return ours ? `${ours[1]}/` : url.replace(/^file:\/\//, '');
}

const top = (totals: Map<string, number>, count: number): TimeShare[] =>
  [...totals.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, count)
    .map(([name, us]) => ({ name, ms: Math.round(us / 1000) }));

/** Every profile written into `dir` (one per thread), summed. */
export async function summarizeProfiles(dir: string, count = 8): Promise<ProfileSummary> {
  const byPlace = new Map<string, number>();
  const byFunction = new Map<string, number>();
  let total = 0;
  for (const file of (await readdir(dir)).filter((name) => name.endsWith('.cpuprofile'))) {
    const profile = JSON.parse(await readFile(join(dir, file), 'utf8')) as Profile;
    const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
    profile.samples.forEach((id, index) => {
      const { callFrame } = nodes.get(id)!;
      const us = profile.timeDeltas[index] ?? 0;
      if (callFrame.functionName === '(idle)' || callFrame.functionName === '(program)') return;
      total += us;
      const place = placeOf(callFrame.url, callFrame.functionName);
      byPlace.set(place, (byPlace.get(place) ?? 0) + us);
      const fn = `${callFrame.functionName || '(anonymous)'} ${place}`;
      byFunction.set(fn, (byFunction.get(fn) ?? 0) + us);
    });
  }
  return { totalMs: Math.round(total / 1000), byPlace: top(byPlace, count), byFunction: top(byFunction, count) };
}

export function describeSummary(summary: ProfileSummary): string {
  const share = (t: TimeShare) => `${t.name} ${t.ms} ms (${Math.round((100 * t.ms) / Math.max(summary.totalMs, 1))} %)`;
  return `${summary.totalMs} ms busy; by place: ${summary.byPlace.map(share).join(', ')}; busiest functions: ${summary.byFunction.slice(0, 5).map(share).join(', ')}`;
}
