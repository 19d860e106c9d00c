import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loggedIn, type TestSession } from '../support/accounts.js';
import { multipartFile, samplePdf } from '../support/files.js';
import { createSelection, hoursFromNow } from '../support/fixtures.js';
import { startTestStack, type TestStack } from '../support/stack.js';
import { dossierPath } from '../support/api-client.js';

let stack: TestStack;
let candidate: TestSession;
let office: TestSession;
let dossierId: string;

beforeAll(async () => {
  stack = await startTestStack();
  const { selectionId, trainingId } = await createSelection(stack.database.models, { opensAt: hoursFromNow(-1), closesAt: hoursFromNow(48) });
  candidate = await loggedIn(stack);
  office = await loggedIn(stack, { role: 'office', trainingIds: [trainingId] });
  dossierId = (await stack.app.inject({ method: 'POST', url: `/api/selections/${selectionId}/dossiers`, headers: candidate.headers })).json().dossierId;
});
afterAll(async () => {
  await stack?.close();
});

describe('Idempotency-Key: a step sent again lands once', () => {
  const send = (method: 'POST' | 'PUT', url: string, payload: object, headers: Record<string, string>) => stack.app.inject({ method, url, payload, headers });

  it('adds one diploma for two sends with one key, a second one for another key', async () => {
    const url = `${dossierPath(dossierId)}/diplomas`;
    const diploma = { title: 'Baccalauréat', year: 2014 };
    const first = await send('POST', url, diploma, { ...candidate.headers, 'idempotency-key': 'bac-1' });
    const again = await send('POST', url, diploma, { ...candidate.headers, 'idempotency-key': 'bac-1' });
    expect([first.statusCode, again.statusCode]).toEqual([200, 200]);
    expect(again.json().diplomas).toEqual(first.json().diplomas);
    expect(again.json().diplomas).toHaveLength(1);
    const other = await send('POST', url, diploma, { ...candidate.headers, 'idempotency-key': 'bac-2' });
    expect(other.json().diplomas).toHaveLength(2);
  });

  it('keeps the first file of an upload sent twice with one key, and refuses the key with another file (422)', async () => {
    const upload = (text: string) => {
      const body = multipartFile(samplePdf(text), `${text}.pdf`);
      return stack.app.inject({ method: 'PUT', url: `${dossierPath(dossierId)}/documents/cv`, headers: { ...candidate.headers, ...body.headers, 'idempotency-key': 'cv-upload' }, payload: body.payload });
    };
    const storedCopies = () => stack.database.connection.db!.collection('files.files').countDocuments({ 'metadata.dossierId': dossierId, 'metadata.target.document': 'cv' });
    const first = await upload('first');
    const again = await upload('first');
    expect(again.statusCode).toBe(200);
    expect(again.json().documents.cv).toEqual(first.json().documents.cv);
    // The retry sent the first attempt's file (one Update id, one set of arguments) and deleted its own copy.
    expect(await storedCopies()).toBe(1);
    const other = await upload('second');
    expect(other.statusCode).toBe(422);
    expect(other.json()).toMatchObject({ code: 'IDEMPOTENCY_KEY_REUSED', details: [{ field: 'headers.idempotency-key' }] });
    const stored = await stack.app.inject({ method: 'GET', url: dossierPath(dossierId), headers: candidate.headers });
    expect(stored.json().documents.cv.filename).toBe('first.pdf');
  });

  it('refuses a step sent again with the same key but another body (422), keeping the first', async () => {
    const save = (title: string) =>
      stack.app.inject({ method: 'POST', url: `${dossierPath(dossierId)}/diplomas`, headers: { ...candidate.headers, 'idempotency-key': 'reused-key' }, payload: { title } });
    const first = await save('CAP Petite enfance');
    expect(first.statusCode).toBe(200);
    const reused = await save('BTS');
    expect(reused.statusCode).toBe(422);
    expect(reused.json().message).toMatch(/déjà servi pour une autre demande/);
    expect((await save('CAP Petite enfance')).statusCode).toBe(200);
    const titles = (await stack.app.inject({ method: 'GET', url: dossierPath(dossierId), headers: candidate.headers })).json().diplomas.map((d: { title: string }) => d.title);
    expect(titles.filter((t: string) => t === 'BTS')).toEqual([]);
  });

  it("answers the office's repeated deadline extension with its first outcome (without a key the second is refused)", async () => {
    const url = `/api/staff/dossiers/${encodeURIComponent(dossierId)}/deadline`;
    const deadline = { deadline: hoursFromNow(96).toISOString() };
    const first = await send('POST', url, deadline, { ...office.headers, 'idempotency-key': 'extend-1' });
    const again = await send('POST', url, deadline, { ...office.headers, 'idempotency-key': 'extend-1' });
    expect([first.statusCode, again.statusCode]).toEqual([200, 200]);
    expect(again.json().deadline).toBe(first.json().deadline);
    expect((await send('POST', url, deadline, office.headers)).statusCode).toBe(400);
  });

  it('refuses a malformed key with a 400 naming the header, before anything is done', async () => {
    const response = await send('PUT', `${dossierPath(dossierId)}/situation`, { status: 'etudiant' }, { ...candidate.headers, 'idempotency-key': 'espace interdite' });
    expect(response.statusCode).toBe(400);
    expect(response.json().details[0].field).toBe('headers.idempotency-key');
    const dossier = await stack.app.inject({ method: 'GET', url: dossierPath(dossierId), headers: candidate.headers });
    expect(dossier.json().situation).toBeUndefined();
  });
});
