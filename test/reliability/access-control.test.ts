import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loggedIn, type TestSession } from '../support/accounts.js';
import { samplePdf } from '../support/files.js';
import { createSelection, hoursFromNow } from '../support/fixtures.js';
import { startTestStack, type TestStack } from '../support/stack.js';
import { report } from './support/report.js';
import { apiClient, dossierPath } from '../support/api-client.js';

/**
 * Every route of the OpenAPI document, tried with the wrong account: the
 * cases are generated from the route table, so a new route is covered (or
 * this test fails, naming it) without anyone writing a case by hand.
 */
interface Operation {
  method: string;
  path: string;
  params: string[];
  staff: boolean;
  needsSession: boolean;
}

let stack: TestStack;
let operations: Operation[];
/** One side's ids, by path parameter name. */
type Ids = Record<string, string>;
let idsOfB: Ids;
let candidateA: TestSession;
let candidateB: TestSession;
let officeA: TestSession;
let officeB: TestSession;
const counted = { candidateOnOthersData: 0, candidateOnStaff: 0, officeOnOtherOffice: 0, anonymous: 0 };

async function candidateWithDossier(selectionId: string) {
  const user = await loggedIn(stack);
  const { call, upload } = apiClient(stack.app, { token: user.token });
  const opened = await call('POST', `/api/selections/${selectionId}/dossiers`);
  const base = dossierPath(opened.body.dossierId);
  const cv = await upload(`${base}/documents/cv`, samplePdf('cv'), 'cv.pdf');
  const diploma = await call('POST', `${base}/diplomas`, { title: 'Baccalauréat', year: 2015 });
  const experience = await call('POST', `${base}/experiences`, { employer: 'Foyer', position: 'Animateur', startDate: '2018-01-01' });
  return {
    user,
    dossierId: opened.body.dossierId as string,
    fileId: cv.body.documents.cv.fileId as string,
    diplomaId: diploma.body.diplomas[0].id as string,
    experienceId: experience.body.experiences[0].id as string,
  };
}

beforeAll(async () => {
  stack = await startTestStack();
  const a = await createSelection(stack.database.models, { opensAt: hoursFromNow(-1), closesAt: hoursFromNow(48) });
  const b = await createSelection(stack.database.models, { opensAt: hoursFromNow(-1), closesAt: hoursFromNow(48) });
  const dossierA = await candidateWithDossier(a.selectionId);
  const dossierB = await candidateWithDossier(b.selectionId);
  candidateA = dossierA.user;
  candidateB = dossierB.user;
  officeA = await loggedIn(stack, { role: 'office', trainingIds: [a.trainingId] });
  officeB = await loggedIn(stack, { role: 'office', trainingIds: [b.trainingId] });
  idsOfB = {
    dossierId: dossierB.dossierId,
    selectionId: b.selectionId,
    fileId: dossierB.fileId,
    entryId: dossierB.diplomaId,
    formId: 'employer-form',
    kind: 'cv',
    // A closing-date batch of B's selection (the format the API gives; none needs to exist to be refused).
    batchJobId: `closing-date:${b.selectionId}:${randomUUID()}`,
  };
  const spec = stack.app.swagger() as { paths: Record<string, Record<string, { security?: unknown[]; tags?: string[] }>> };
  operations = Object.entries(spec.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, operation]) => ({
      method: method.toUpperCase(),
      path,
      params: [...path.matchAll(/\{(\w+)\}/g)].map((match) => match[1]!),
      staff: path.startsWith('/api/staff/') || (operation.tags ?? []).includes('staff'),
      needsSession: (operation.security ?? []).length > 0,
    })),
  );
});
afterAll(async () => {
  await report('access-control', { operations: operations?.length, ...counted });
  await stack?.close();
});

function urlOf(operation: Operation, ids: Ids): string {
  return operation.path.replace(/\{(\w+)\}/g, (_, name: string) => {
    const id = ids[name];
    if (id === undefined) throw new Error(`no test id for path parameter "${name}" of ${operation.method} ${operation.path}: add it to idsOfB`);
    return encodeURIComponent(id);
  });
}

async function send(operation: Operation, session: TestSession | undefined) {
  const response = await stack.app.inject({
    method: operation.method as 'GET',
    url: urlOf(operation, idsOfB),
    headers: session ? session.headers : {},
    // No body at all: the scope is checked before the body is, so none is needed to be refused.
  });
  return { status: response.statusCode, body: response.body };
}

describe('access control, generated from the OpenAPI route table', () => {
  it('covers every route (the document lists every route the API registered)', () => {
    const documented = new Set(operations.map((op) => `${op.method} ${op.path}`));
    const registered = stack.app.routeTable
      // The JSON API: the pages call the same services, and their access is tested in test/integration/pages.test.ts.
      .filter((route) => route.method !== 'HEAD' && route.url.startsWith('/api/') && !route.url.startsWith('/api/docs'))
      .map((route) => `${route.method} ${route.url.replace(/:(\w+)/g, '{$1}')}`);
    expect(registered.filter((route) => !documented.has(route))).toEqual([]);
    expect(operations.length).toBeGreaterThan(30);
    expect(operations.filter((operation) => operation.params.includes('dossierId')).length).toBeGreaterThan(10);
  });

  /** Sends every selected operation as `session`; returns those not answered `expected`, with what they answered. */
  /**
   * Sends every selected operation as `session`; returns those not answered one of `expected`, with what
   * they answered. A 404 must be the record's own (not ROUTE_NOT_FOUND: a wrong path proves nothing).
   */
  async function misanswered(tally: keyof typeof counted, selected: (op: Operation) => boolean, session: TestSession | undefined, ...expected: number[]) {
    const failures: string[] = [];
    for (const operation of operations.filter(selected)) {
      const { status, body } = await send(operation, session);
      counted[tally] += 1;
      const code = (JSON.parse(body || '{}') as { code?: string }).code;
      if (!expected.includes(status) || (status === 404 && !/^(DOSSIER|SELECTION)_NOT_FOUND$/.test(code ?? ''))) {
        failures.push(`${operation.method} ${operation.path}: ${status} ${body.slice(0, 120)}`);
      }
    }
    return failures;
  }

  it("the same requests with B's own session are not refused (the ids are right)", async () => {
    const own = await stack.app.inject({ method: 'GET', url: `/api/dossiers/${encodeURIComponent(idsOfB.dossierId!)}`, headers: candidateB.headers });
    expect(own.statusCode).toBe(200);
    const file = await stack.app.inject({ method: 'GET', url: `/api/dossiers/${encodeURIComponent(idsOfB.dossierId!)}/files/${idsOfB.fileId}`, headers: candidateB.headers });
    expect(file.statusCode).toBe(200);
    const officeView = await stack.app.inject({ method: 'GET', url: `/api/staff/selections/${idsOfB.selectionId}/dossiers`, headers: officeB.headers });
    expect(officeView.statusCode).toBe(200);
  });

  it("office A on B's dossier through the candidates' routes: 403 or 404, never an answer", async () => {
    expect(await misanswered('officeOnOtherOffice', (op) => !op.staff && op.needsSession && op.params.includes('dossierId'), officeA, 403, 404)).toEqual([]);
  });

  it("candidate A on candidate B's ids: 404 on every dossier route", async () => {
    expect(await misanswered('candidateOnOthersData', (op) => !op.staff && op.needsSession && op.params.includes('dossierId'), candidateA, 404)).toEqual([]);
    expect(counted.candidateOnOthersData).toBeGreaterThan(10);
  });

  it('a candidate on any staff route: 403', async () => {
    expect(await misanswered('candidateOnStaff', (op) => op.staff, candidateA, 403)).toEqual([]);
  });

  it("office A on office B's selection or dossier: 404 on every staff route that names one", async () => {
    const namesOne = (op: Operation) => op.staff && (op.params.includes('selectionId') || op.params.includes('dossierId'));
    expect(await misanswered('officeOnOtherOffice', namesOne, officeA, 404)).toEqual([]);
  });

  it('no session on a route that needs one: 401', async () => {
    expect(await misanswered('anonymous', (op) => op.needsSession, undefined, 401)).toEqual([]);
  });

  it("office A reads B's dossier through no route at all (the same 404 as an unknown id)", async () => {
    const unknown = await stack.app.inject({ method: 'GET', url: `/api/dossiers/${encodeURIComponent('dossier:nope-2027:nobody')}`, headers: officeA.headers });
    const others = await stack.app.inject({ method: 'GET', url: `/api/dossiers/${encodeURIComponent(idsOfB.dossierId!)}`, headers: officeA.headers });
    expect(others.statusCode).toBe(404);
    expect(others.json()).toEqual(unknown.json());
  });
});
