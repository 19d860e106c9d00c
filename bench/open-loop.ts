/**
 * Open-loop load: requests sent on a schedule, whatever the answers, as
 * candidates do (a candidate does not wait for someone else's answer before
 * clicking). Latency is counted from the instant a request was due, not from
 * when it was sent, so a stalled system cannot hide its queue (coordinated
 * omission). Two scenarios use it:
 *
 * - step capacity: the highest rate of step saves that keeps p99 ≤ 250 ms,
 *   against the same search for no-op Updates on trivial workflows, straight
 *   to Temporal (the engine's own rate at the same p99);
 * - a closing hour: 1,000 candidates, each acting every 20 s for 2 minutes,
 *   60 % reads (« Mes inscriptions », a dossier screen), 40 % step saves and
 *   "incomplet" declarations.
 */
import type { Client } from '@temporalio/client';
import type { System } from '../test/reliability/support/system.js';
import { civilStatusOf } from '../test/support/fixtures.js';
import { cpuMeter, log, percentile, type ProcessName, settle } from './measure.js';
import type { CandidateWithDossier } from './open-dossiers.js';
import { TRIVIAL_QUEUE } from './closing-hour.js';
import { trivialStepUpdate, type trivialWorkflow } from './trivial-workflow.js';

export const P99_TARGET_MS = 250;
export const CAPACITY_SECONDS = Number(process.env.CAPACITY_SECONDS ?? 10);
export const CLOSING_HOUR_CANDIDATES = Number(process.env.CLOSING_HOUR_CANDIDATES ?? 1000);
export const CLOSING_HOUR_SECONDS = Number(process.env.CLOSING_HOUR_SECONDS ?? 120);
export const CLOSING_HOUR_PERIOD_SECONDS = 20;

export interface Latencies {
  sent: number;
  p50: number;
  p99: number;
  errors: number;
}

export interface OpenLoopResult extends Latencies {
  rate: number;
  /** From the first request due to the last answer (the CPU window). */
  seconds: number;
  cpu: Record<ProcessName, number>;
  /** The same, by the kind each answer said it was (see `send`). */
  byKind: Record<string, Latencies>;
}

/** What `send` says of an answer: good or not, and which kind of request it was. */
export type Sent = boolean | { good: boolean; kind: string };

const latenciesOf = (latencies: number[], errors: number): Latencies => ({ sent: latencies.length, p50: percentile(latencies, 50), p99: percentile(latencies, 99), errors });

/**
 * Sends `send(n)` at `rate` per second for `seconds`, every call on its own
 * (none waits for another); waits for the last answer. `send` resolves true
 * for a good answer.
 */
export async function openLoop(system: System, rate: number, seconds: number, send: (n: number) => Promise<Sent>): Promise<OpenLoopResult> {
  const total = Math.round(rate * seconds);
  const latencies: number[] = [];
  let errors = 0;
  const kinds = new Map<string, { latencies: number[]; errors: number }>();
  const cpu = cpuMeter(system);
  const started = performance.now();
  const inFlight: Promise<void>[] = [];
  for (let n = 0; n < total; n += 1) {
    const dueAt = started + (1000 * n) / rate;
    const wait = dueAt - performance.now();
    if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
    inFlight.push(
      send(n)
        .catch((): Sent => false)
        .then((answer) => {
          const latency = performance.now() - dueAt;
          const { good, kind } = typeof answer === 'boolean' ? { good: answer, kind: undefined } : answer;
          latencies.push(latency);
          if (!good) errors += 1;
          if (kind === undefined) return;
          const entry = kinds.get(kind) ?? { latencies: [], errors: 0 };
          kinds.set(kind, entry);
          entry.latencies.push(latency);
          if (!good) entry.errors += 1;
        }),
    );
  }
  await Promise.all(inFlight);
  const byKind = Object.fromEntries([...kinds].map(([kind, entry]) => [kind, latenciesOf(entry.latencies, entry.errors)]));
  return { rate, seconds: (performance.now() - started) / 1000, ...latenciesOf(latencies, errors), cpu: cpu.stop(), byKind };
}

/**
 * The highest rate at which `send` keeps p99 ≤ 250 ms and no error: rates
 * from 3/s, ×1.5 until one fails (twice), then ×1.1 from the last good one. Each level
 * runs CAPACITY_SECONDS on a quiet system.
 */
export async function capacity(system: System, label: string, send: (n: number) => Promise<Sent>): Promise<{ rate: number; levels: OpenLoopResult[] }> {
  const levels: OpenLoopResult[] = [];
  const passes = (result: OpenLoopResult) => result.errors === 0 && result.p99 <= P99_TARGET_MS;
  // A rate fails when it fails twice in a row: one window of 10 s on a shared 2-core machine can catch a hiccup.
  const level = async (rate: number) => {
    for (let attempt = 1; attempt <= 2; attempt += 1) {
      await settle(system);
      const result = await openLoop(system, rate, CAPACITY_SECONDS, send);
      levels.push(result);
      log(`${label} at ${rate.toFixed(1)}/s (attempt ${attempt}): p50 ${result.p50.toFixed(0)} ms, p99 ${result.p99.toFixed(0)} ms, ${result.errors} errors → ${passes(result) ? 'holds' : 'does not hold'}`);
      if (passes(result)) return true;
    }
    return false;
  };
  let good = 0;
  let rate = 3;
  while (await level(rate)) {
    good = rate;
    rate *= 1.5;
  }
  for (let finer = good * 1.1; good > 0 && finer < rate * 0.99; finer *= 1.1) {
    if (!(await level(finer))) break;
    good = finer;
  }
  return { rate: good, levels };
}

/** One step save (the civil status) on each candidate's dossier in turn. */
export function stepSave(system: System, candidates: CandidateWithDossier[]): (n: number) => Promise<boolean> {
  return async (n) => {
    const { account, dossierId } = candidates[n % candidates.length]!;
    const response = await fetch(`${system.apiUrls[n % system.apiUrls.length]}/api/dossiers/${encodeURIComponent(dossierId)}/civil-status`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${account.token}`, 'content-type': 'application/json' },
      body: JSON.stringify(civilStatusOf(n)),
    });
    await response.arrayBuffer();
    return response.ok;
  };
}

/** One no-op Update to each of `count` trivial workflows in turn: the engine's cost of an Update. */
export async function trivialUpdates(client: Client, count: number): Promise<{ send: (n: number) => Promise<boolean>; stop(): Promise<void> }> {
  const stamp = Date.now();
  const handles = await Promise.all(
    Array.from({ length: count }, (_, n) =>
      client.workflow.start<typeof trivialWorkflow>('trivialWorkflow', { workflowId: `trivial-capacity-${stamp}-${n}`, taskQueue: TRIVIAL_QUEUE, args: [Number.MAX_SAFE_INTEGER] }),
    ),
  );
  return {
    send: async (n) => {
      await handles[n % handles.length]!.executeUpdate(trivialStepUpdate, { args: [n] });
      return true;
    },
    stop: async () => {
      await Promise.all(handles.map((handle) => handle.terminate('benchmark over')));
    },
  };
}

export type ClosingHourAction = 'list' | 'screen' | 'save' | 'declare';
/** Of every 10 actions of a candidate: 3 « Mes inscriptions », 3 dossier screens, 3 step saves, 1 "incomplet". */
const ROTATION: ClosingHourAction[] = ['list', 'screen', 'save', 'list', 'screen', 'save', 'list', 'screen', 'save', 'declare'];

/**
 * CLOSING_HOUR_CANDIDATES candidates, each acting every 20 s (its own phase),
 * for CLOSING_HOUR_SECONDS: pages for reads (what candidates load), the JSON
 * API for saves and declarations (what the pages' forms and scripts call).
 * Each candidate goes through the rotation from its own place in it, so every
 * instant mixes the four actions.
 */
export async function closingHour(system: System, candidates: CandidateWithDossier[]): Promise<OpenLoopResult> {
  await settle(system);
  const rate = candidates.length / CLOSING_HOUR_PERIOD_SECONDS;
  const send = async (n: number): Promise<Sent> => {
    const index = n % candidates.length;
    const candidate = candidates[index]!;
    const action = ROTATION[(Math.floor(n / candidates.length) + index) % ROTATION.length]!;
    const base = system.apiUrls[n % system.apiUrls.length];
    const dossier = encodeURIComponent(candidate.dossierId);
    const cookie = { cookie: `candidature_session=${candidate.account.token}` };
    const json = { authorization: `Bearer ${candidate.account.token}`, 'content-type': 'application/json' };
    const response =
      action === 'list'
        ? await fetch(`${base}/mes-inscriptions`, { headers: cookie })
        : action === 'screen'
          ? await fetch(`${base}/mes-inscriptions/${dossier}/etat-civil`, { headers: cookie })
          : action === 'save'
            ? await fetch(`${base}/api/dossiers/${dossier}/civil-status`, { method: 'PUT', headers: json, body: JSON.stringify(civilStatusOf(n)) })
            : await fetch(`${base}/api/dossiers/${dossier}/declaration`, { method: 'POST', headers: json, body: JSON.stringify({ complete: false }) });
    await response.arrayBuffer();
    return { good: response.ok, kind: action };
  };
  const result = await openLoop(system, rate, CLOSING_HOUR_SECONDS, send);
  log(`closing hour: p50 ${result.p50.toFixed(0)} ms, p99 ${result.p99.toFixed(0)} ms, ${result.errors} errors; ${JSON.stringify(result.byKind)}`);
  return result;
}
