/**
 * Journey throughput and the closing rush, each against its baseline in the
 * same run:
 * - complete journeys through the API (open, 10 steps with 5 uploads,
 *   "complet", the office validates, 3 e-mails each) against the same number
 *   of trivial workflows taking as many Updates straight from Temporal;
 * - step saves and "incomplet" declarations from 50 and 200 concurrent
 *   candidates (autocannon, each connection one candidate, no pause between
 *   requests) against `GET /me`: the same authentication, no Temporal.
 */
import { NativeConnection, Worker } from '@temporalio/worker';
import { Client, Connection } from '@temporalio/client';
import autocannon from 'autocannon';
import { fileURLToPath } from 'node:url';
import { civilStatusOf, createSelection, hoursFromNow } from '../test/support/fixtures.js';
import { waitForEmails } from '../test/reliability/support/invariants.js';
import type { System } from '../test/reliability/support/system.js';
import { type CandidateWithDossier } from './open-dossiers.js';
import { cpuMeter, log, median, percentile, type ProcessName, settle } from './measure.js';
import { type TrivialActivities, trivialStepUpdate, type trivialWorkflow } from './trivial-workflow.js';
import { apiClient, RETRY_MS } from '../test/support/api-client.js';
import { candidateJourney, inParallel, officeValidates } from '../test/support/journey.js';

export const JOURNEYS = Number(process.env.BENCH_JOURNEYS ?? 20);
export const STEPS_PER_JOURNEY = 12; // 11 candidate steps (enrol included) + the office's decision
export const RUSH_SECONDS = Number(process.env.RUSH_SECONDS ?? 10);
export const RUSH_CONNECTIONS = [50, 200] as const;
export const TRIVIAL_QUEUE = 'bench-trivial';

export async function journeyThroughput(system: System, run: number): Promise<{ perSecond: number; cpu: Record<ProcessName, number>; seconds: number }> {
  const { trainingId, selectionId } = await createSelection(system.database.models, { opensAt: hoursFromNow(-1), closesAt: hoursFromNow(48) });
  const candidates = await inParallel(Array.from({ length: JOURNEYS }, (_, n) => n), 8, () => system.account('candidate'));
  const office = apiClient(system.apiUrls, { token: (await system.account('office', [trainingId])).token, retryForMs: RETRY_MS });
  await settle(system);
  const cpu = cpuMeter(system);
  const started = Date.now();
  const ids = await Promise.all(
    candidates.map(async (candidate, n) => {
      const id = await candidateJourney(apiClient(system.apiUrls, { token: candidate.token, retryForMs: RETRY_MS }), selectionId, { n: run * 1000 + n });
      await officeValidates(office, id);
      return id;
    }),
  );
  await waitForEmails(system, ids.flatMap((id) => [`${id}:opened`, `${id}:submitted:`, `${id}:validated`]), 300_000);
  const seconds = (Date.now() - started) / 1000;
  return { perSecond: JOURNEYS / seconds, cpu: cpu.stop(), seconds };
}

/** A worker for the trivial workflows, in this process, on the system's Temporal server. */
export async function startTrivialWorker(system: System, activities: Partial<TrivialActivities> = {}): Promise<{ client: Client; stop(): Promise<void> }> {
  const connection = await NativeConnection.connect({ address: system.temporalServer.address });
  const worker = await Worker.create({
    connection,
    taskQueue: TRIVIAL_QUEUE,
    workflowsPath: fileURLToPath(new URL('./trivial-workflow.ts', import.meta.url)),
    activities,
  });
  const running = worker.run();
  // The engine's own cost: the trivial workflows' payloads stay in clear, whatever the system's encryption.
  const client = new Client({ connection: await Connection.connect({ address: system.temporalServer.address }), namespace: 'default' });
  return {
    client,
    async stop() {
      worker.shutdown();
      await running;
      await connection.close();
      await client.connection.close();
    },
  };
}

export async function trivialThroughput(client: Client, run: number): Promise<number> {
  const started = Date.now();
  await Promise.all(
    Array.from({ length: JOURNEYS }, async (_, n) => {
      const handle = await client.workflow.start<typeof trivialWorkflow>('trivialWorkflow', {
        workflowId: `trivial-${run}-${n}-${Date.now()}`,
        taskQueue: TRIVIAL_QUEUE,
        args: [STEPS_PER_JOURNEY],
      });
      for (let step = 0; step < STEPS_PER_JOURNEY; step += 1) await handle.executeUpdate(trivialStepUpdate, { args: [step] });
      await handle.result();
    }),
  );
  return JOURNEYS / ((Date.now() - started) / 1000);
}

export interface RushResult {
  p50: number;
  p99: number;
  errors: number;
  requests: number;
  cpu: Record<ProcessName, number>;
}

/** Each autocannon connection is one candidate: it saves its civil status and declares "incomplet", in turn (or reads `/api/me`). */
export async function rush(system: System, connections: number, candidates: CandidateWithDossier[], baseline: boolean): Promise<RushResult> {
  await settle(system);
  let next = 0;
  const candidateOf = (connectionContext: object) => {
    const context = connectionContext as { n?: number };
    if (context.n === undefined) context.n = next++ % candidates.length;
    return candidates[context.n]!;
  };
  const headersOf = (context: object) => ({ authorization: `Bearer ${candidateOf(context).account.token}`, 'content-type': 'application/json' });
  const pathOf = (context: object) => `/api/dossiers/${encodeURIComponent(candidateOf(context).dossierId)}`;
  const cpu = cpuMeter(system);
  const result = await autocannon({
    url: system.apiUrl,
    connections,
    duration: RUSH_SECONDS,
    requests: baseline
      ? [{ setupRequest: (request, context) => ({ ...request, method: 'GET', path: '/api/me', headers: headersOf(context) }) }]
      : [
          {
            setupRequest: (request, context) => ({
              ...request,
              method: 'PUT',
              path: `${pathOf(context)}/civil-status`,
              headers: headersOf(context),
              body: JSON.stringify(civilStatusOf(1)),
            }),
          },
          {
            setupRequest: (request, context) => ({ ...request, method: 'POST', path: `${pathOf(context)}/declaration`, headers: headersOf(context), body: JSON.stringify({ complete: false }) }),
          },
        ],
  });
  const rushResult = {
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.timeouts + result.non2xx,
    requests: result.requests.total,
    cpu: cpu.stop(),
  };
  log(`rush ${connections}${baseline ? ' baseline' : ''}: ${JSON.stringify(rushResult)}`);
  return rushResult;
}

/**
 * The engine's ceiling for the rush: `connections` loops, each sending no-op
 * Updates to a trivial workflow of its own, straight to Temporal, for as long
 * as the rush lasts. Latencies in ms.
 */
export async function trivialRush(client: Client, connections: number): Promise<{ p50: number; p99: number; requests: number }> {
  const handles = await Promise.all(
    Array.from({ length: connections }, (_, n) =>
      client.workflow.start<typeof trivialWorkflow>('trivialWorkflow', { workflowId: `trivial-rush-${connections}-${n}-${Date.now()}`, taskQueue: TRIVIAL_QUEUE, args: [Number.MAX_SAFE_INTEGER] }),
    ),
  );
  const latencies: number[] = [];
  const endAt = Date.now() + RUSH_SECONDS * 1000;
  await Promise.all(
    handles.map(async (handle) => {
      for (let step = 0; Date.now() < endAt; step += 1) {
        const started = Date.now();
        await handle.executeUpdate(trivialStepUpdate, { args: [step] });
        latencies.push(Date.now() - started);
      }
    }),
  );
  await Promise.all(handles.map((handle) => handle.terminate('benchmark over')));
  return { p50: median(latencies), p99: percentile(latencies, 99), requests: latencies.length };
}
