import { expect } from 'vitest';
import { multipartFile, samplePdf } from './files.js';
import type { TestStack } from './stack.js';

export const civilStatus = {
  civility: 'monsieur',
  lastName: 'Dupont',
  firstNames: 'Camille',
  birthDate: '1995-03-14',
  birthPlace: 'Clermont-Ferrand',
  birthCountry: 'France',
  nationality: 'française',
  address: { line1: '1 place de Jaude', postalCode: '63000', city: 'Clermont-Ferrand', country: 'France' },
  phone: '06 12 34 56 78',
};

/** Thin helpers over `app.inject` for a logged-in candidate. */
export function candidateClient(stack: TestStack, headers: Record<string, string>) {
  const call = async (method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, payload?: object) => {
    const response = await stack.app.inject({ method, url, headers, ...(payload ? { payload } : {}) });
    return { status: response.statusCode, body: response.body ? response.json() : undefined, headers: response.headers };
  };
  const upload = async (url: string, bytes: Buffer, filename: string) => {
    const body = multipartFile(bytes, filename);
    const response = await stack.app.inject({ method: 'PUT', url, headers: { ...headers, ...body.headers }, payload: body.payload });
    return { status: response.statusCode, body: response.json() };
  };
  return { call, upload };
}

export function dossierPath(dossierId: string): string {
  return `/dossiers/${encodeURIComponent(dossierId)}`;
}

/** Opens a dossier on the selection and fills every step, leaving it ready to declare complete. */
export async function fillDossier(stack: TestStack, headers: Record<string, string>, selectionId: string): Promise<string> {
  const { call, upload } = candidateClient(stack, headers);
  const opened = await call('POST', `/selections/${selectionId}/dossiers`);
  expect(opened.status).toBe(201);
  const base = dossierPath(opened.body.dossierId);
  expect((await call('PUT', `${base}/civil-status`, civilStatus)).status).toBe(200);
  expect((await call('PUT', `${base}/situation`, { status: 'etudiant' })).status).toBe(200);
  for (const kind of ['cv', 'identity', 'motivation']) expect((await upload(`${base}/documents/${kind}`, samplePdf(kind), `${kind}.pdf`)).status).toBe(200);
  const diploma = await call('POST', `${base}/diplomas`, { title: 'Baccalauréat', year: 2013 });
  const done = await upload(`${base}/diplomas/${diploma.body.diplomas[0].id}/document`, samplePdf('bac'), 'bac.pdf');
  expect(done.body.progress.missing).toEqual([]);
  return opened.body.dossierId;
}
