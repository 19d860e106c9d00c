/**
 * A candidate's dossier through the API, step by step as the guide goes, for
 * the integration tests, the fault scenarios and the benchmarks alike.
 */
import type { ApiClient, Answer } from './api-client.js';
import { samplePdf } from './files.js';
import { civilStatusOf } from './fixtures.js';

/** The steps of the guide, in order, each once: what a dossier must hold at the end. */
export const JOURNEY_STEPS = ['enrol', 'civilStatus', 'situation', 'cv', 'identity', 'motivation', 'diploma', 'diplomaFile', 'experience', 'experienceProof', 'declaration'] as const;

function expectStatus(answer: Answer, expected: number[], what: string): Answer {
  if (!expected.includes(answer.status)) throw new Error(`${what}: HTTP ${answer.status} ${JSON.stringify(answer.body)}`);
  return answer;
}

export interface JourneyOptions {
  /** Varies the candidate's data and the Idempotency-Keys. */
  n?: number;
  /** Stop before the experience and the declaration: the dossier is ready to declare complete. */
  readyToDeclare?: boolean;
  /** Told after each accepted step (fault tests time their crash on it). */
  onStep?: () => void;
}

/**
 * One candidate's whole dossier: open, every step (each with its own
 * Idempotency-Key), declare complete unless told to stop before. Returns the dossier id.
 */
export async function candidateJourney(client: ApiClient, selectionId: string, options: JourneyOptions = {}): Promise<string> {
  const { n = 0, onStep = () => {} } = options;
  const key = (step: string) => `journey-${n}-${step}`;
  const opened = expectStatus(await client.request('POST', `/api/selections/${selectionId}/dossiers`), [200, 201], 'enrol');
  onStep();
  const base = `/api/dossiers/${encodeURIComponent(opened.body.dossierId)}`;
  const step = async (name: string, method: string, path: string, init: { json?: unknown; file?: { bytes: Buffer; name: string } }) => {
    const answer = expectStatus(await client.request(method, `${base}${path}`, { ...init, key: key(name) }), [200], name);
    onStep();
    return answer;
  };
  await step('civilStatus', 'PUT', '/civil-status', { json: civilStatusOf(n) });
  await step('situation', 'PUT', '/situation', { json: { status: 'etudiant' } });
  for (const kind of ['cv', 'identity', 'motivation']) await step(kind, 'PUT', `/documents/${kind}`, { file: { bytes: samplePdf(`${kind}-${n}`), name: `${kind}.pdf` } });
  const diploma = await step('diploma', 'POST', '/diplomas', { json: { title: 'Baccalauréat', year: 2016 } });
  const diplomaId = diploma.body.diplomas[0].id as string;
  const filled = await step('diplomaFile', 'PUT', `/diplomas/${diplomaId}/document`, { file: { bytes: samplePdf(`bac-${n}`), name: 'bac.pdf' } });
  if (options.readyToDeclare) {
    if (filled.body.progress.missing.length > 0) throw new Error(`journey ${n}: still missing ${JSON.stringify(filled.body.progress.missing)}`);
    return opened.body.dossierId as string;
  }
  const experience = await step('experience', 'POST', '/experiences', { json: { employer: 'Foyer Saint-Jean', position: 'Animatrice', startDate: '2019-09-01' } });
  const experienceId = experience.body.experiences[0].id as string;
  await step('experienceProof', 'PUT', `/experiences/${experienceId}/proof`, { file: { bytes: samplePdf(`work-${n}`), name: 'attestation.pdf' } });
  const declared = await step('declaration', 'POST', '/declaration', { json: { complete: true } });
  if (declared.body.status !== 'SUBMITTED') throw new Error(`journey ${n}: declared but ${declared.body.status}`);
  return opened.body.dossierId as string;
}

/** The office validates a submitted dossier; a retry that finds it already validated is the same outcome. */
export async function officeValidates(office: ApiClient, dossierId: string): Promise<void> {
  const answer = await office.request('POST', `/api/staff/dossiers/${encodeURIComponent(dossierId)}/decision`, { json: { decision: 'validate' } });
  if (answer.status === 200) return;
  if (answer.status === 409) {
    const current = await office.request('GET', `/api/dossiers/${encodeURIComponent(dossierId)}`);
    if (current.body?.status === 'VALIDATED') return;
  }
  throw new Error(`validate ${dossierId}: HTTP ${answer.status} ${JSON.stringify(answer.body)}`);
}

/** Runs `task` over `items`, `concurrency` at a time. */
export async function inParallel<T, R>(items: T[], concurrency: number, task: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, items.length) }, async () => {
      while (next < items.length) {
        const index = next++;
        results[index] = await task(items[index]!, index);
      }
    }),
  );
  return results;
}
