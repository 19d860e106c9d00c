/**
 * How the cost of a request grows with the dossier and with the database:
 * CPU per step save with 1 and with 20 diplomas in the dossier, and CPU per
 * step save, per « Mes inscriptions » and per dossier screen with 1,000 and
 * with 50,000 dossiers stored. Each measure is an open-loop load at a modest
 * rate (no queue: the CPU per request is the work itself), on a quiet system,
 * less the CPU the idle system spends over as long.
 *
 * The stored dossiers beyond the candidates' own are copies of a real record
 * written straight to the database, on selections of their own: what an
 * older school's database holds (past years' dossiers), without the hours it
 * would take to open them through the engine here.
 */
import type { System } from '../test/reliability/support/system.js';
import { createSelection, hoursFromNow } from '../test/support/fixtures.js';
import { inParallel } from '../test/support/journey.js';
import { dossierWorkflowId } from '../workflows/dossier/contract.js';
import { cpuMeter, log, median, type ProcessName, settle } from './measure.js';
import { type CandidateWithDossier, candidatesWithDossiers } from './open-dossiers.js';
import { openLoop, stepSave } from './open-loop.js';

export const GROWTH_STORED = (process.env.GROWTH_STORED ?? '1000,50000').split(',').map(Number);
export const GROWTH_DIPLOMAS = 20;
const CANDIDATES = 20;
const RATE = 8;
const SECONDS = Number(process.env.GROWTH_SECONDS ?? 10);
const FORMER_QUERIES = 5;

export interface GrowthMeasure {
  label: string;
  stored: number;
  requests: number;
  p50: number;
  p99: number;
  errors: number;
  cpu: Record<ProcessName, number>;
}

async function addDiplomas(system: System, candidates: CandidateWithDossier[], count: number): Promise<void> {
  await inParallel(candidates, 4, async ({ account, dossierId }) => {
    for (let n = 0; n < count; n += 1) {
      const response = await fetch(`${system.apiUrl}/api/dossiers/${encodeURIComponent(dossierId)}/diplomas`, {
        method: 'POST',
        headers: { authorization: `Bearer ${account.token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ title: `Diplôme ${n + 1}`, year: 2000 + (n % 25) }),
      });
      if (!response.ok) throw new Error(`diploma ${n} of ${dossierId}: HTTP ${response.status} ${await response.text()}`);
    }
  });
}

/** Copies of one stored record on selections of their own, until the collection holds `total`. */
async function fillTo(system: System, total: number, model: CandidateWithDossier): Promise<void> {
  const { Dossier } = system.database.models;
  const template = (await Dossier.findById(model.dossierId).lean())!;
  let stored = await Dossier.countDocuments();
  const started = Date.now();
  while (stored < total) {
    const { selectionId } = await createSelection(system.database.models, { opensAt: hoursFromNow(-24 * 400), closesAt: hoursFromNow(-24 * 300) });
    const batch = Array.from({ length: Math.min(1000, total - stored) }, (_, n) => {
      const id = `filler-${stored + n}`;
      const dossierId = dossierWorkflowId(selectionId, id);
      return { ...template, _id: dossierId, selectionId, status: 'EXPIRED', candidate: { ...template.candidate, id }, state: { ...template.state, dossierId, selectionId, status: 'EXPIRED' } };
    });
    await Dossier.collection.insertMany(batch as never[], { ordered: false });
    stored += batch.length;
  }
  log(`growth: ${total} dossiers stored (filled in ${((Date.now() - started) / 1000).toFixed(0)} s)`);
}

function reader(system: System, candidates: CandidateWithDossier[], page: 'list' | 'screen') {
  return async (n: number) => {
    const { account, dossierId } = candidates[n % candidates.length]!;
    const path = page === 'list' ? '/mes-inscriptions' : `/mes-inscriptions/${encodeURIComponent(dossierId)}/etat-civil`;
    const response = await fetch(`${system.apiUrls[n % system.apiUrls.length]}${path}`, { headers: { cookie: `candidature_session=${account.token}` } });
    await response.arrayBuffer();
    return response.ok;
  };
}

export async function costGrowthRun(system: System): Promise<GrowthMeasure[]> {
  const small = await candidatesWithDossiers(system, CANDIDATES);
  const large = await candidatesWithDossiers(system, CANDIDATES);
  await addDiplomas(system, small, 1);
  await addDiplomas(system, large, GROWTH_DIPLOMAS);
  const measures: GrowthMeasure[] = [];
  // What the system spends doing nothing (pollers, timers) over a window as long: taken off each measure,
  // so that a cheap request is not charged the idle processes' CPU.
  let idle: Record<ProcessName, number> | undefined;
  const measure = async (label: string, stored: number, send: (n: number) => Promise<boolean>) => {
    await settle(system);
    if (!idle) {
      const meter = cpuMeter(system);
      await new Promise((resolve) => setTimeout(resolve, SECONDS * 1000));
      idle = meter.stop();
    }
    const result = await openLoop(system, RATE, SECONDS, send);
    const scale = result.seconds / SECONDS;
    const cpu = Object.fromEntries(Object.entries(result.cpu).map(([name, seconds]) => [name, Math.max(0, seconds - idle![name as ProcessName] * scale)])) as Record<ProcessName, number>;
    measures.push({ label, stored, requests: result.sent, p50: result.p50, p99: result.p99, errors: result.errors, cpu });
    log(`growth, ${label} with ${stored} stored: p50 ${result.p50.toFixed(0)} ms, ${result.errors} errors`);
  };
  for (const stored of GROWTH_STORED) {
    await fillTo(system, stored, small[0]!);
    await measure('step save, 1 diploma', stored, stepSave(system, small));
    await measure(`step save, ${GROWTH_DIPLOMAS} diplomas`, stored, stepSave(system, large));
    await measure('« Mes inscriptions »', stored, reader(system, small, 'list'));
    await measure('a dossier screen', stored, reader(system, small, 'screen'));
    // What « Mes inscriptions » read before its slots: a query on `candidate.id`, which FerretDB answers by
    // reading every dossier stored. One at a time, a few of them: at 8 a second they pile up past any timeout.
    await settle(system);
    const meter = cpuMeter(system);
    const times: number[] = [];
    for (let n = 0; n < FORMER_QUERIES; n += 1) {
      const started = performance.now();
      await system.database.models.Dossier.find({ 'candidate.id': small[n % small.length]!.account.id }).sort({ createdAt: -1 }).lean();
      times.push(performance.now() - started);
    }
    const former = { label: 'the former « Mes inscriptions » query (FerretDB alone, one at a time)', stored, requests: FORMER_QUERIES, p50: median(times), p99: Math.max(...times), errors: 0, cpu: meter.stop() };
    measures.push(former);
    log(`growth, ${former.label} with ${stored} stored: ${former.p50.toFixed(0)} ms each`);
  }
  return measures;
}
