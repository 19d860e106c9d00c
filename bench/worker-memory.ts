/**
 * Worker memory: the worker's resident memory once 1,000, 5,000 and 10,000
 * dossiers are open (each waiting on its closing date), against the same
 * worker idle (started, no dossier yet). The worker keeps at most
 * WORKER_MAX_CACHED_WORKFLOWS workflows in memory (1,000 by default): past
 * that, memory must stay flat.
 */
import { startSystem } from '../test/reliability/support/system.js';
import { createSelection, hoursFromNow } from '../test/support/fixtures.js';
import { log, rssMb } from './measure.js';
import { emailArrivals, openDossiers } from './open-dossiers.js';

export const MEMORY_LEVELS = (process.env.MEMORY_LEVELS ?? '1000,5000,10000').split(',').map(Number);
/** The worker's default (worker/config.ts); the scenario runs with it. */
export const CACHED_WORKFLOWS = 1000;

export interface WorkerMemoryRun {
  idleMb: number;
  /** Resident memory at each level of open dossiers. */
  atLevel: Record<number, number>;
}

async function quietRss(pid: number | undefined): Promise<number> {
  // Memory after the last opening settles (e-mails sent, stores done): the median of a few readings.
  const readings: number[] = [];
  for (let n = 0; n < 5; n += 1) {
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    readings.push(rssMb(pid));
  }
  return readings.sort((a, b) => a - b)[2]!;
}

/**
 * Node's own heap limit on this machine (about 4 GB): what the workflow thread had before the worker sized
 * its heap for the cache (worker/config.ts).
 */
export const UNBOUNDED_HEAP_MB = 4096;

/** `heapMb`: the workflow thread's heap (WORKER_WORKFLOW_HEAP_MB); the worker's default when not given. */
export async function workerMemoryRun(heapMb?: number): Promise<WorkerMemoryRun> {
  const workerEnv = { WORKER_MAX_CACHED_WORKFLOWS: String(CACHED_WORKFLOWS), ...(heapMb === undefined ? {} : { WORKER_WORKFLOW_HEAP_MB: String(heapMb) }) };
  const system = await startSystem({ instances: 1, workerEnv }); // one worker: its memory is the measure
  try {
    const pid = system.worker.pid();
    const idleMb = await quietRss(pid);
    log(`worker memory: idle ${idleMb.toFixed(1)} MB`);
    const { selectionId } = await createSelection(system.database.models, { opensAt: hoursFromNow(-1), closesAt: hoursFromNow(48) });
    const emails = emailArrivals(system);
    const ids: string[] = [];
    const atLevel: Record<number, number> = {};
    for (const level of MEMORY_LEVELS) {
      ids.push(...(await openDossiers(system, Array(level - ids.length).fill(selectionId), `worker memory, to ${level}`)));
      await emails.waitFor(ids.map((id) => `${id}:opened`), 10 * 60_000, `worker memory: opening e-mails`);
      atLevel[level] = await quietRss(pid);
      log(`worker memory: ${level} open dossiers → ${atLevel[level]!.toFixed(1)} MB`);
    }
    return { idleMb, atLevel };
  } finally {
    await system.close();
  }
}
