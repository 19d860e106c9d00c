/**
 * A selection's closing date moved with many open dossiers: how long until
 * every dossier has the new date (its stored record), through the engine's
 * batch operation, on the production topology (PostgreSQL, Temporal Server,
 * two workers, two APIs). Run twice: undisturbed, and with one worker killed
 * (kill -9) when half the dossiers have it, started again 5 s later.
 *
 *   npm run bench:fanout          (FANOUT_DOSSIERS=5000 by default)
 *
 * Prints the figures (docs/BENCHMARKS.md quotes them) and writes them to
 * .reliability/bench/fanout.json.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { setTimeout as delay } from 'node:timers/promises';
import { installTemporalRuntime } from '../worker/runtime.js';
import { closingDateProgress, extendSelectionClosingDate } from '../api/services/selections.js';
import { createSelection, hoursFromNow } from '../test/support/fixtures.js';
import { startSystem, type System } from '../test/reliability/support/system.js';
import { log, machine } from './measure.js';
import { openDossiers } from './open-dossiers.js';

const DOSSIERS = Number(process.env.FANOUT_DOSSIERS ?? 5000);

interface FanoutRun {
  killWorker: boolean;
  dossiers: number;
  /** From the office's request to its 202. */
  answerMs: number;
  /** From the request until every record holds the new date. */
  allToldSeconds: number;
  /** When the batch reported itself completed, and its counts. */
  batch: { state: string; total: number; done: number; failed: number; completedSeconds: number };
  workerKilledAt?: number;
}

async function fanout(system: System, killWorker: boolean): Promise<FanoutRun> {
  const { models } = system.database;
  const { selectionId } = await createSelection(models, { opensAt: hoursFromNow(-1), closesAt: hoursFromNow(24 * 30) });
  await openDossiers(system, Array.from({ length: DOSSIERS }, () => selectionId), killWorker ? 'dossiers (worker killed)' : 'dossiers');
  const selection = (await models.Selection.findById(selectionId).lean())!;
  const closesAt = new Date(selection.closesAt.getTime() + 7 * 86_400_000);
  const deps = { models, temporal: system.temporal, temporalTimeoutMs: 15_000 };

  const started = Date.now();
  const { batchJobId } = await extendSelectionClosingDate(deps, selection, closesAt);
  const answerMs = Date.now() - started;
  let workerKilledAt: number | undefined;
  let restart: Promise<void> | undefined;
  let batchDone: FanoutRun['batch'] | undefined;
  for (;;) {
    const told = await models.Dossier.countDocuments({ selectionId, 'state.closesAt': closesAt.toISOString() });
    if (!batchDone) {
      const progress = await closingDateProgress(deps, selection, batchJobId).catch(() => null);
      if (progress && progress.state !== 'running') batchDone = { ...progress, completedSeconds: (Date.now() - started) / 1000 };
    }
    if (killWorker && !restart && told >= DOSSIERS / 2) {
      workerKilledAt = told;
      await system.workers[0]!.kill();
      log(`worker 1 killed with ${told}/${DOSSIERS} told`);
      restart = delay(5_000).then(() => system.workers[0]!.start());
    }
    if (told === DOSSIERS) break;
    if (Date.now() - started > 30 * 60_000) throw new Error(`only ${told}/${DOSSIERS} told after 30 minutes`);
    await delay(500);
  }
  const allToldSeconds = (Date.now() - started) / 1000;
  await restart;
  while (!batchDone) {
    const progress = await closingDateProgress(deps, selection, batchJobId);
    if (progress && progress.state !== 'running') batchDone = { ...progress, completedSeconds: (Date.now() - started) / 1000 };
    else await delay(500);
  }
  log(`${killWorker ? 'with a worker killed' : 'undisturbed'}: all ${DOSSIERS} told after ${allToldSeconds.toFixed(1)} s (answer ${answerMs} ms; batch ${JSON.stringify(batchDone)})`);
  return { killWorker, dossiers: DOSSIERS, answerMs, allToldSeconds, batch: batchDone, ...(workerKilledAt === undefined ? {} : { workerKilledAt }) };
}

installTemporalRuntime('warn');
const runs: FanoutRun[] = [];
for (const killWorker of [false, true]) {
  // A fresh system each time: the second run's dossiers do not share the engine with the first's.
  const system = await startSystem();
  try {
    runs.push(await fanout(system, killWorker));
  } finally {
    await system.close();
  }
}
const result = { measuredAt: new Date().toISOString(), machine: machine(), command: `FANOUT_DOSSIERS=${DOSSIERS} npm run bench:fanout`, runs };
await mkdir(new URL('../.reliability/bench/', import.meta.url), { recursive: true });
await writeFile(new URL('../.reliability/bench/fanout.json', import.meta.url), JSON.stringify(result, null, 2));
console.log(JSON.stringify(result, null, 2));
