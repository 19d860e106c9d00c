/**
 * Deadline storm: N open dossiers whose closing date is one shared instant.
 * Measured: from that instant until every one is EXPIRED in MongoDB and its
 * "dossier clos" e-mail reached the SMTP server. Baseline, in a system of its
 * own: the same N with closing dates spread evenly over 10 minutes, each
 * dossier's delay from its own closing date to its e-mail.
 */
import { join } from 'node:path';
import { freePort } from '../dev/ports.js';
import { startSystem, type System } from '../test/reliability/support/system.js';
import { profileDatabase } from './database-profile.js';
import { startTrivialWorker, TRIVIAL_QUEUE } from './closing-hour.js';
import { cpuMeter, describeCpu, log, median, percentile, type ProcessName } from './measure.js';
import type { trivialDeadlineWorkflow } from './trivial-workflow.js';
import { emailArrivals, openDossiers } from './open-dossiers.js';
import { inParallel } from '../test/support/journey.js';

const SPREAD_MS = Number(process.env.STORM_SPREAD_SECONDS ?? 600) * 1000;
/** Distinct closing instants of the spread baseline (one selection each): one every second. */
const SPREAD_INSTANTS = Math.max(1, Math.round(SPREAD_MS / 1000));
const DRAIN_TIMEOUT_MS = 20 * 60_000;

export interface StormRun {
  dossiers: number;
  /** From the shared closing instant until the last dossier was EXPIRED and e-mailed (storm); from the last closing date (spread). */
  drainSeconds: number;
  lagP50Ms: number;
  lagP99Ms: number;
  missed: number;
  notExpiredInDatabase: number;
  setupSeconds: number;
  cpu: Record<ProcessName, number>;
}

async function createTraining(system: System): Promise<string> {
  const trainingId = `storm-${Date.now()}`;
  await system.database.models.Training.create({ _id: trainingId, title: 'Éducateur spécialisé', diploma: "Diplôme d'État d'éducateur spécialisé" });
  return trainingId;
}

let selectionsCreated = 0;

async function createSelections(system: System, trainingId: string, closingDates: Date[]): Promise<string[]> {
  const selections = closingDates.map((closesAt) => ({
    _id: `${trainingId}-${(selectionsCreated += 1)}`,
    trainingId,
    title: 'Éducateur spécialisé — rentrée 2027',
    opensAt: new Date(Date.now() - 3_600_000),
    closesAt,
    officeContact: { name: 'Service sélection', email: 'selection@itsra.example' },
  }));
  for (let start = 0; start < selections.length; start += 200) await system.database.models.Selection.insertMany(selections.slice(start, start + 200));
  return selections.map((selection) => selection._id);
}

/**
 * Opening N dossiers takes minutes, and a dossier cannot be opened once its
 * selection closed: the opening rate is measured on a first batch, and the
 * closing date set far enough after the time N openings should take.
 */
async function openingRate(system: System, trainingId: string): Promise<number> {
  const [warmUp] = await createSelections(system, trainingId, [new Date(Date.now() + 48 * 3_600_000)]);
  const started = Date.now();
  const cpu = cpuMeter(system);
  await openDossiers(system, Array(100).fill(warmUp!));
  const seconds = (Date.now() - started) / 1000;
  log(`opening 100 dossiers took ${seconds.toFixed(1)} s; CPU: ${describeCpu(cpu.stop(), seconds)}`);
  return 100 / seconds;
}

/** With `profileDir`, FerretDB is profiled for the first 30 s of the storm (bench/database-profile.ts). */
export async function deadlineStormRun(dossiers: number, mode: 'storm' | 'spread', profileDir?: string): Promise<StormRun & { databaseProfile?: string }> {
  const debugPort = profileDir ? await freePort() : undefined;
  const system = await startSystem(debugPort === undefined ? {} : { databaseDebugPort: debugPort, cpuProfileDir: join(profileDir!, `node-${mode}`) });
  try {
    const trainingId = await createTraining(system);
    const rate = await openingRate(system, trainingId);
    // Twice the time the warm-up rate predicts: opening slows down as the collections grow.
    const firstClosing = Date.now() + Math.ceil((2 * dossiers) / rate) * 1000 + 30_000;
    log(`${mode}: opening ${dossiers} dossiers at ~${rate.toFixed(1)}/s; first closing date in ${Math.round((firstClosing - Date.now()) / 1000)} s`);
    const instants = mode === 'storm' ? [firstClosing] : Array.from({ length: SPREAD_INSTANTS }, (_, n) => firstClosing + Math.round((n * SPREAD_MS) / SPREAD_INSTANTS));
    const selectionIds = await createSelections(system, trainingId, instants.map((at) => new Date(at)));
    const setupStarted = Date.now();
    // Dossier n closes at instant n × instants / dossiers: as many on each.
    const selectionOf = Array.from({ length: dossiers }, (_, n) => Math.floor((n * selectionIds.length) / dossiers));
    const ids = await openDossiers(system, selectionOf.map((index) => selectionIds[index]!), `${mode} set-up`);
    const closingOf = new Map(ids.map((id, n) => [id, instants[selectionOf[n]!]!]));
    const setupSeconds = (Date.now() - setupStarted) / 1000;
    const emails = emailArrivals(system);
    // The opening e-mails go out first, so the storm starts from a quiet system.
    await emails.waitFor(ids.map((id) => `${id}:opened`), Math.max(0, firstClosing - Date.now()), `${mode}: opening e-mails`);
    if (Date.now() >= firstClosing) throw new Error(`${mode}: the set-up overran the closing date; the run does not count`);
    log(`${mode}: ${ids.length} dossiers open in ${setupSeconds.toFixed(0)} s; first closing date in ${Math.round((firstClosing - Date.now()) / 1000)} s`);
    await new Promise((resolve) => setTimeout(resolve, firstClosing - Date.now()));

    const cpu = cpuMeter(system);
    const profile = debugPort === undefined ? undefined : profileDatabase(debugPort, 30, profileDir!, mode);
    const expiredKeys = ids.map((id) => `${id}:expired`);
    const arrived = await emails.waitFor(expiredKeys, DRAIN_TIMEOUT_MS + (mode === 'spread' ? SPREAD_MS : 0), `${mode}: expiry e-mails`);
    const cpuUsed = cpu.stop();
    const lags = ids.map((id) => (emails.at(`${id}:expired`) ?? Number.NaN) - closingOf.get(id)!).filter(Number.isFinite);
    const last = Math.max(...ids.map((id) => emails.at(`${id}:expired`) ?? 0));
    const expired = new Set((await system.database.models.Dossier.find({ status: 'EXPIRED' }, { _id: 1 }).lean()).map((record) => record._id));
    const expiredInDatabase = ids.filter((id) => expired.has(id)).length;
    const result: StormRun & { databaseProfile?: string } = {
      dossiers: ids.length,
      drainSeconds: (last - instants[instants.length - 1]!) / 1000,
      lagP50Ms: median(lags),
      lagP99Ms: percentile(lags, 99),
      missed: ids.length - arrived,
      notExpiredInDatabase: ids.length - expiredInDatabase,
      setupSeconds,
      cpu: cpuUsed,
      ...(profile ? { databaseProfile: await profile.done } : {}),
    };
    log(`${mode}: ${JSON.stringify({ ...result, databaseProfile: undefined })}; CPU: ${describeCpu(cpuUsed, Math.max(1, (last - firstClosing) / 1000))}`);
    return result;
  } finally {
    await system.close();
  }
}

/**
 * The engine's own ceiling, in a system of its own: N trivial workflows (a
 * timer until one shared instant, then one activity that notes the time),
 * straight to Temporal, no database, no e-mail.
 */
export async function trivialStormRun(dossiers: number): Promise<{ drainSeconds: number; missed: number; cpu: Record<ProcessName, number> }> {
  const system = await startSystem();
  const recorded = new Map<string, number>();
  const trivial = await startTrivialWorker(system, { recordExpiry: async (workflowId: string) => void recorded.set(workflowId, Date.now()) });
  try {
    // Starting is quick (no first store, no e-mail): 40 a second is a safe floor on this machine.
    const closesAt = Date.now() + Math.ceil(dossiers / 40) * 1000 + 20_000;
    const ids = await inParallel(Array.from({ length: dossiers }, (_, n) => `trivial-deadline-${n}-${closesAt}`), 16, async (workflowId) => {
      await trivial.client.workflow.start<typeof trivialDeadlineWorkflow>('trivialDeadlineWorkflow', { workflowId, taskQueue: TRIVIAL_QUEUE, args: [closesAt] });
      return workflowId;
    });
    if (Date.now() >= closesAt) throw new Error('trivial storm: the set-up overran the closing instant; the run does not count');
    await new Promise((resolve) => setTimeout(resolve, closesAt - Date.now()));
    const cpu = cpuMeter(system);
    const deadline = Date.now() + DRAIN_TIMEOUT_MS;
    while (recorded.size < ids.length && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 200));
    const result = { drainSeconds: (Math.max(...recorded.values()) - closesAt) / 1000, missed: ids.length - recorded.size, cpu: cpu.stop() };
    log(`trivial storm: ${JSON.stringify(result)}`);
    return result;
  } finally {
    await trivial.stop();
    await system.close();
  }
}
