/**
 * Benchmarks of the closing hour, on the real stack (the fault suite's
 * harness: Temporal dev server and FerretDB on SQLite, API and worker as their
 * own processes), each scenario paired with a baseline measured in the same run:
 *
 *   npm run bench            (RUNS=3 by default; the medians are printed and written to docs/BENCHMARKS.md)
 *
 * Scenarios so far: journey throughput and the closing rush. (Issue 7 also asks
 * for the deadline storm, uploads and worker memory: not measured yet.)
 */
import { Client } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import autocannon from 'autocannon';
import { cpus, totalmem } from 'node:os';
import { mkdir, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { createSelection, hoursFromNow } from '../test/support/fixtures.js';
import { waitForEmails } from '../test/reliability/support/invariants.js';
import { apiClient, candidateJourney, inParallel, journeyCivilStatus, officeValidates, Tally } from '../test/reliability/support/journey.js';
import { type Account, startSystem, type System } from '../test/reliability/support/system.js';
import { installTemporalRuntime } from '../worker/runtime.js';
import { trivialStepUpdate, type trivialWorkflow } from './trivial-workflow.js';

const RUNS = Number(process.env.RUNS ?? 3);
const JOURNEYS = Number(process.env.BENCH_JOURNEYS ?? 20);
const STEPS_PER_JOURNEY = 12; // 11 candidate steps (enrol included) + the office's decision
const RUSH_SECONDS = Number(process.env.RUSH_SECONDS ?? 10);

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

async function journeyThroughput(system: System, run: number): Promise<number> {
  const { trainingId, selectionId } = await createSelection(system.database.models, { opensAt: hoursFromNow(-1), closesAt: hoursFromNow(48) });
  const candidates = await inParallel(Array.from({ length: JOURNEYS }, (_, n) => n), 8, () => system.account('candidate'));
  const office = apiClient(system.apiUrl, (await system.account('office', [trainingId])).token, new Tally());
  const started = Date.now();
  const ids = await Promise.all(candidates.map(async (candidate, n) => {
    const id = await candidateJourney(apiClient(system.apiUrl, candidate.token, new Tally()), selectionId, run * 1000 + n);
    await officeValidates(office, id);
    return id;
  }));
  await waitForEmails(system, ids.flatMap((id) => [`${id}:opened`, `${id}:submitted:`, `${id}:validated`]), 300_000);
  return JOURNEYS / ((Date.now() - started) / 1000);
}

async function trivialThroughput(client: Client, taskQueue: string, run: number): Promise<number> {
  const started = Date.now();
  await Promise.all(
    Array.from({ length: JOURNEYS }, async (_, n) => {
      const handle = await client.workflow.start<typeof trivialWorkflow>('trivialWorkflow', { workflowId: `trivial-${run}-${n}-${Date.now()}`, taskQueue, args: [STEPS_PER_JOURNEY] });
      for (let step = 0; step < STEPS_PER_JOURNEY; step += 1) await handle.executeUpdate(trivialStepUpdate, { args: [step] });
      await handle.result();
    }),
  );
  return JOURNEYS / ((Date.now() - started) / 1000);
}

interface RushResult {
  p50: number;
  p99: number;
  errors: number;
  requests: number;
}

/** Waits until the API answers at once again: a run must not inherit the previous run's backlog. */
async function settle(system: System): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    const started = Date.now();
    await fetch(`${system.apiUrl}/health`).catch(() => undefined);
    if (Date.now() - started < 100) return;
    await new Promise((resolve) => setTimeout(resolve, 1_000));
  }
}

/** Each autocannon connection is one candidate: it saves its civil status and declares "incomplet", in turn. */
async function rush(system: System, connections: number, dossiers: { account: Account; dossierId: string }[], baseline: boolean): Promise<RushResult> {
  let next = 0;
  const result = await autocannon({
    url: system.apiUrl,
    connections,
    duration: RUSH_SECONDS,
    requests: baseline
      ? [{ setupRequest: (request, context) => ({ ...request, method: 'GET', path: '/me', headers: headersOf(context) }) }]
      : [
          { setupRequest: (request, context) => ({ ...request, method: 'PUT', path: `${pathOf(context)}/civil-status`, headers: headersOf(context), body: JSON.stringify(journeyCivilStatus(1)) }) },
          { setupRequest: (request, context) => ({ ...request, method: 'POST', path: `${pathOf(context)}/declaration`, headers: headersOf(context), body: JSON.stringify({ complete: false }) }) },
        ],
  });
  function candidateOf(connectionContext: object) {
    const context = connectionContext as { n?: number };
    if (context.n === undefined) context.n = next++ % dossiers.length;
    return dossiers[context.n]!;
  }
  function headersOf(context: object) {
    return { authorization: `Bearer ${candidateOf(context).account.token}`, 'content-type': 'application/json' };
  }
  function pathOf(context: object) {
    return `/dossiers/${encodeURIComponent(candidateOf(context).dossierId)}`;
  }
  return { p50: result.latency.p50, p99: result.latency.p99, errors: result.errors + result.timeouts + result.non2xx, requests: result.requests.total };
}

const system = await startSystem();
installTemporalRuntime('warn');
const connection = await NativeConnection.connect({ address: system.temporalServer.address });
const trivialQueue = 'bench-trivial';
const trivialWorker = await Worker.create({ connection, taskQueue: trivialQueue, workflowsPath: fileURLToPath(new URL('./trivial-workflow.ts', import.meta.url)) });
const trivialRunning = trivialWorker.run();
const figures = { journeys: [] as number[], trivial: [] as number[], rush: {} as Record<string, RushResult[]> };
try {
  // 200 candidates with an open dossier each, for the rush.
  const { selectionId } = await createSelection(system.database.models, { opensAt: hoursFromNow(-1), closesAt: hoursFromNow(48) });
  const dossiers = await inParallel(Array.from({ length: 200 }, (_, n) => n), 10, async () => {
    const account = await system.account('candidate');
    const opened = await apiClient(system.apiUrl, account.token, new Tally()).request('POST', `/selections/${selectionId}/dossiers`);
    return { account, dossierId: opened.body.dossierId as string };
  });
  for (let run = 0; run < RUNS; run += 1) {
    figures.journeys.push(await journeyThroughput(system, run));
    figures.trivial.push(await trivialThroughput(system.temporal, trivialQueue, run));
    for (const connections of [50, 200]) {
      for (const baseline of [false, true]) {
        const key = `${connections}${baseline ? '-baseline' : ''}`;
        await settle(system);
        (figures.rush[key] ??= []).push(await rush(system, connections, dossiers, baseline));
      }
    }
    console.log(`[bench] run ${run + 1}/${RUNS}: ${JSON.stringify(figures)}`);
  }
} finally {
  trivialWorker.shutdown();
  await trivialRunning;
  await connection.close();
  await system.close();
}

const rushRow = (key: string) => {
  const results = figures.rush[key]!;
  return { p50: median(results.map((r) => r.p50)), p99: median(results.map((r) => r.p99)), errors: results.reduce((sum, r) => sum + r.errors, 0), requests: median(results.map((r) => r.requests)) };
};
const journeys = median(figures.journeys);
const trivial = median(figures.trivial);
const table = [
  '| scenario | our figure (median of runs) | baseline in the same run | target | met |',
  '|---|---|---|---|---|',
  `| journey throughput (${JOURNEYS} concurrent, 12 Updates each, all e-mails) | ${journeys.toFixed(2)} journeys/s | ${trivial.toFixed(2)} trivial workflows/s (12 Updates each, no API, no database) → ${((100 * journeys) / trivial).toFixed(0)} % | ≥ 50 % | ${journeys >= trivial / 2 ? 'yes' : 'no'} |`,
  ...[50, 200].map((connections) => {
    const ours = rushRow(`${connections}`);
    const base = rushRow(`${connections}-baseline`);
    const met = ours.errors === 0 && (connections !== 50 || ours.p99 <= 250);
    return `| closing rush, ${connections} concurrent candidates (${RUSH_SECONDS} s: civil status saves and "incomplet" declarations) | p50 ${ours.p50} ms, p99 ${ours.p99} ms, ${ours.errors} errors, ${ours.requests} requests | \`GET /me\` (same authentication, no Temporal): p50 ${base.p50} ms, p99 ${base.p99} ms, ${base.requests} requests | ${connections === 50 ? 'p99 ≤ 250 ms, ' : ''}0 errors | ${met ? 'yes' : 'no'} |`;
  }),
].join('\n');
console.log(table);
const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'CPU'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node.js ${process.version}`;
await mkdir(new URL('../.reliability/', import.meta.url), { recursive: true });
await writeFile(new URL('../.reliability/bench-latest.md', import.meta.url), `Measured ${new Date().toISOString()} on ${machine}, ${RUNS} runs.\n\n${table}\n`);
