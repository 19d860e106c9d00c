import { setTimeout as delay } from 'node:timers/promises';
import { samplePdf } from '../../support/files.js';

export interface Answer {
  status: number;
  body: any;
}

/** What the clients saw over a run: answers by status, and how many attempts were retried. */
export class Tally {
  readonly statuses = new Map<number, number>();
  retries = 0;
  networkErrors = 0;
  accepted = 0;

  count(status: number): void {
    this.statuses.set(status, (this.statuses.get(status) ?? 0) + 1);
    if (status >= 200 && status < 300) this.accepted += 1;
  }

  get serverErrors(): number {
    return [...this.statuses].filter(([status]) => status >= 500 && status !== 503).reduce((sum, [, n]) => sum + n, 0);
  }
}

/**
 * An HTTP client as a well-behaved front end is: every step carries an
 * Idempotency-Key, and a step that got no answer, or a 503, is sent again with
 * the same key until it gets one. With `retryForMs` 0 it answers what it got.
 */
export function apiClient(baseUrl: string, token: string, tally: Tally, retryForMs = 180_000) {
  async function request(method: string, path: string, init: { json?: unknown; file?: { bytes: Buffer; name: string }; key?: string } = {}): Promise<Answer> {
    const deadline = Date.now() + retryForMs;
    for (;;) {
      const headers: Record<string, string> = { authorization: `Bearer ${token}` };
      if (init.key) headers['idempotency-key'] = init.key;
      let body: RequestInit['body'];
      if (init.json !== undefined) {
        headers['content-type'] = 'application/json';
        body = JSON.stringify(init.json);
      } else if (init.file) {
        const form = new FormData();
        form.append('file', new Blob([init.file.bytes], { type: 'application/pdf' }), init.file.name);
        body = form;
      }
      try {
        const response = await fetch(`${baseUrl}${path}`, { method, headers, ...(body === undefined ? {} : { body }) });
        const text = await response.text();
        tally.count(response.status);
        if (response.status !== 503 || retryForMs === 0) return { status: response.status, body: text ? JSON.parse(text) : undefined };
      } catch (error) {
        tally.networkErrors += 1;
        if (retryForMs === 0) throw error;
      }
      if (Date.now() > deadline) throw new Error(`${method} ${path}: no answer but 503 or network errors for ${retryForMs} ms`);
      tally.retries += 1;
      await delay(300 + Math.random() * 400);
    }
  }
  return { request };
}

export type ApiClient = ReturnType<typeof apiClient>;

function expectStatus(answer: Answer, expected: number[], what: string): Answer {
  if (!expected.includes(answer.status)) throw new Error(`${what}: HTTP ${answer.status} ${JSON.stringify(answer.body)}`);
  return answer;
}

export const journeyCivilStatus = (n: number) => ({
  civility: 'madame',
  lastName: `Martin-${n}`,
  firstNames: 'Léa',
  birthDate: '1998-06-02',
  birthPlace: 'Vichy',
  birthCountry: 'France',
  nationality: 'française',
  address: { line1: '3 rue Blatin', postalCode: '63000', city: 'Clermont-Ferrand', country: 'France' },
  phone: '06 11 22 33 44',
});

/** The steps of the guide, in order, each once: what a dossier must hold at the end. */
export const JOURNEY_STEPS = ['enrol', 'civilStatus', 'situation', 'cv', 'identity', 'motivation', 'diploma', 'diplomaFile', 'experience', 'experienceProof', 'declaration'] as const;

/**
 * One candidate's whole dossier through the API: open, every step, declare
 * complete. `onStep` is told after each accepted step (fault tests time their
 * crash on it). Returns the dossier id.
 */
export async function candidateJourney(client: ApiClient, selectionId: string, n: number, onStep: () => void = () => {}): Promise<string> {
  const key = (step: string) => `journey-${n}-${step}`;
  const opened = expectStatus(await client.request('POST', `/selections/${selectionId}/dossiers`), [200, 201], 'enrol');
  onStep();
  const base = `/dossiers/${encodeURIComponent(opened.body.dossierId)}`;
  const step = async (name: string, method: string, path: string, init: { json?: unknown; file?: { bytes: Buffer; name: string } }) => {
    const answer = expectStatus(await client.request(method, `${base}${path}`, { ...init, key: key(name) }), [200], name);
    onStep();
    return answer;
  };
  await step('civilStatus', 'PUT', '/civil-status', { json: journeyCivilStatus(n) });
  await step('situation', 'PUT', '/situation', { json: { status: 'etudiant' } });
  for (const kind of ['cv', 'identity', 'motivation']) await step(kind, 'PUT', `/documents/${kind}`, { file: { bytes: samplePdf(`${kind}-${n}`), name: `${kind}.pdf` } });
  const diploma = await step('diploma', 'POST', '/diplomas', { json: { title: 'Baccalauréat', year: 2016 } });
  const diplomaId = diploma.body.diplomas[0].id as string;
  await step('diplomaFile', 'PUT', `/diplomas/${diplomaId}/document`, { file: { bytes: samplePdf(`bac-${n}`), name: 'bac.pdf' } });
  const experience = await step('experience', 'POST', '/experiences', { json: { employer: 'Foyer Saint-Jean', position: 'Animatrice', startDate: '2019-09-01' } });
  const experienceId = experience.body.experiences[0].id as string;
  await step('experienceProof', 'PUT', `/experiences/${experienceId}/proof`, { file: { bytes: samplePdf(`work-${n}`), name: 'attestation.pdf' } });
  const declared = await step('declaration', 'POST', '/declaration', { json: { complete: true } });
  if (declared.body.status !== 'SUBMITTED') throw new Error(`journey ${n}: declared but ${declared.body.status}`);
  return opened.body.dossierId as string;
}

/** The office validates a submitted dossier; a retry that finds it already validated is the same outcome. */
export async function officeValidates(office: ApiClient, dossierId: string): Promise<void> {
  const answer = await office.request('POST', `/staff/dossiers/${encodeURIComponent(dossierId)}/decision`, { json: { decision: 'validate' } });
  if (answer.status === 200) return;
  if (answer.status === 409) {
    const current = await office.request('GET', `/dossiers/${encodeURIComponent(dossierId)}`);
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
