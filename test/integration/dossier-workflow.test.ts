import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dossierWorkflowId, searchAttributes } from '../../workflows/dossier/contract.js';
import { candidate, createSelection, hoursFromNow } from '../support/fixtures.js';
import { eventually, startTestStack, type TestStack } from '../support/stack.js';

describe('dossier workflow on the real Temporal server, through the API', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack();
  });
  afterAll(() => stack?.close());

  it('opens a dossier: workflow running, state readable, record stored, e-mail delivered, searchable by status', async () => {
    const { selectionId } = await createSelection(stack.database.models, { opensAt: hoursFromNow(-1), closesAt: hoursFromNow(24 * 21) });
    const person = candidate();

    const opened = await stack.app.inject({ method: 'POST', url: `/selections/${selectionId}/dossiers`, payload: { candidate: person } });
    expect(opened.statusCode).toBe(202);
    const { dossierId } = opened.json<{ dossierId: string }>();
    expect(dossierId).toBe(dossierWorkflowId(selectionId, person.id));
    expect(opened.headers.location).toBe(`/dossiers/${encodeURIComponent(dossierId)}`);

    const read = await stack.app.inject({ method: 'GET', url: `/dossiers/${dossierId}` });
    expect(read.statusCode).toBe(200);
    expect(read.json()).toMatchObject({ dossierId, selectionId, status: 'DRAFT', candidate: person, revision: 0 });

    const stored = await eventually(() => stack.database.models.Dossier.findById(dossierId).lean());
    expect(stored).toMatchObject({ selectionId, status: 'DRAFT', candidate: { id: person.id } });

    const email = await stack.catcher.waitFor((e) => e.to.includes(person.email));
    expect(email.subject).toBe("Votre dossier d'inscription — Éducateur spécialisé");
    expect(email.headers.get('x-candidature-key')).toBe(`${dossierId}:opened`);

    // Operators find dossiers in the Web UI by these attributes (visibility is eventually consistent).
    const query = `${searchAttributes.status.name} = 'DRAFT' AND ${searchAttributes.selection.name} = '${selectionId}' AND ${searchAttributes.candidate.name} = '${person.id}'`;
    const listed = await eventually(async () => {
      const ids: string[] = [];
      for await (const execution of stack.temporal.workflow.list({ query })) ids.push(execution.workflowId);
      return ids.length > 0 ? ids : undefined;
    });
    expect(listed).toEqual([dossierId]);
  });

  it('returns the same dossier on a second "+ S\'inscrire" and sends no second e-mail', async () => {
    const { selectionId } = await createSelection(stack.database.models, { opensAt: hoursFromNow(-1), closesAt: hoursFromNow(24) });
    const person = candidate();
    const first = await stack.app.inject({ method: 'POST', url: `/selections/${selectionId}/dossiers`, payload: { candidate: person } });
    const second = await stack.app.inject({ method: 'POST', url: `/selections/${selectionId}/dossiers`, payload: { candidate: person } });
    expect(second.statusCode).toBe(202);
    expect(second.json()).toEqual(first.json());

    await stack.catcher.waitFor((e) => e.to.includes(person.email));
    const executions: string[] = [];
    for await (const execution of stack.temporal.workflow.list({ query: `WorkflowId = '${first.json<{ dossierId: string }>().dossierId}'` })) {
      executions.push(execution.runId);
    }
    expect(executions).toHaveLength(1);
    expect(stack.catcher.messages.filter((e) => e.to.includes(person.email))).toHaveLength(1);
  });

  it('closes a dossier as EXPIRED at the selection closing date', async () => {
    const { selectionId } = await createSelection(stack.database.models, { opensAt: hoursFromNow(-1), closesAt: new Date(Date.now() + 3_000) });
    const person = candidate();
    const opened = await stack.app.inject({ method: 'POST', url: `/selections/${selectionId}/dossiers`, payload: { candidate: person } });
    const { dossierId } = opened.json<{ dossierId: string }>();

    const result = await stack.temporal.workflow.getHandle(dossierId).result();
    expect(result.status).toBe('EXPIRED');
    const stored = await eventually(async () => {
      const record = await stack.database.models.Dossier.findById(dossierId).lean();
      return record?.status === 'EXPIRED' ? record : undefined;
    });
    expect(stored.revision).toBe(1);
  });

  it('refuses to open a dossier on a closed selection, in French', async () => {
    const { selectionId } = await createSelection(stack.database.models, { opensAt: hoursFromNow(-48), closesAt: hoursFromNow(-1) });
    const response = await stack.app.inject({ method: 'POST', url: `/selections/${selectionId}/dossiers`, payload: { candidate: candidate() } });
    expect(response.statusCode).toBe(409);
    expect(response.json()).toEqual({ statusCode: 409, code: 'SELECTION_NOT_OPEN', message: 'Les inscriptions à cette sélection sont closes.' });
  });

  it('refuses to open a dossier on a selection not yet open', async () => {
    const { selectionId } = await createSelection(stack.database.models, { opensAt: hoursFromNow(24), closesAt: hoursFromNow(48) });
    const response = await stack.app.inject({ method: 'POST', url: `/selections/${selectionId}/dossiers`, payload: { candidate: candidate() } });
    expect(response.statusCode).toBe(409);
    expect(response.json().message).toBe('Les inscriptions à cette sélection ne sont pas encore ouvertes.');
  });

  it('answers 404 for an unknown selection or dossier', async () => {
    const selection = await stack.app.inject({ method: 'POST', url: '/selections/unknown-2027/dossiers', payload: { candidate: candidate() } });
    expect(selection.statusCode).toBe(404);
    expect(selection.json().code).toBe('SELECTION_NOT_FOUND');
    const dossier = await stack.app.inject({ method: 'GET', url: '/dossiers/dossier:unknown:nobody' });
    expect(dossier.statusCode).toBe(404);
    expect(dossier.json().code).toBe('DOSSIER_NOT_FOUND');
  });
});
