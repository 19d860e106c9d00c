import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dossierWorkflowId, getDossierQuery, searchAttributes } from '../../../workflows/dossier/contract.js';
import { loggedIn } from '../../support/accounts.js';
import { createSelection, hoursFromNow } from '../../support/fixtures.js';
import { eventually, useTestStack } from '../../support/stack.js';

describe('dossier workflow on the real Temporal server, through the API', () => {
  const stack = useTestStack();

  it('opens a dossier: workflow running, state readable, record stored, e-mail delivered, searchable by status', async () => {
    const { selectionId } = await createSelection(stack.database.models, { opensAt: hoursFromNow(-1), closesAt: hoursFromNow(24 * 21) });
    const person = await loggedIn(stack);

    const opened = await stack.app.inject({ method: 'POST', url: `/api/selections/${selectionId}/dossiers`, headers: person.headers });
    expect(opened.statusCode).toBe(201);
    const { dossierId } = opened.json<{ dossierId: string }>();
    expect(dossierId).toBe(dossierWorkflowId(selectionId, person.accountId));
    expect(opened.headers.location).toBe(`/api/dossiers/${encodeURIComponent(dossierId)}`);

    const read = await stack.app.inject({ method: 'GET', url: `/api/dossiers/${dossierId}`, headers: person.headers });
    expect(read.statusCode).toBe(200);
    expect(read.json()).toMatchObject({
      dossierId,
      selectionId,
      status: 'DRAFT',
      selectionTitle: 'Éducateur spécialisé — rentrée 2027',
      candidate: { id: person.accountId, email: person.email, firstName: 'Camille', lastName: 'Dupont' },
      editable: true,
    });
    // The workflow's bookkeeping is not the candidate's business.
    expect(read.json().revision).toBeUndefined();

    // Stored before the API answered: no waiting.
    const stored = await stack.database.models.Dossier.findById(dossierId).lean();
    expect(stored).toMatchObject({ selectionId, status: 'DRAFT', candidate: { id: person.accountId }, revision: 1 });

    const email = await stack.catcher.waitFor((e) => e.to.includes(person.email));
    expect(email.subject).toBe("Votre dossier d'inscription — Éducateur spécialisé");
    expect(email.headers.get('x-candidature-key')).toBe(`${dossierId}:opened`);

    // Operators find dossiers in the Web UI by these attributes (visibility is eventually consistent).
    const query = `${searchAttributes.status.name} = 'DRAFT' AND ${searchAttributes.selection.name} = '${selectionId}' AND ${searchAttributes.candidate.name} = '${person.accountId}'`;
    const listed = await eventually(async () => {
      const ids: string[] = [];
      for await (const execution of stack.temporal.workflow.list({ query })) ids.push(execution.workflowId);
      return ids.length > 0 ? ids : undefined;
    });
    expect(listed).toEqual([dossierId]);
  });

  it('returns the same dossier on a second "+ S\'inscrire" and sends no second e-mail', async () => {
    const { selectionId } = await createSelection(stack.database.models, { opensAt: hoursFromNow(-1), closesAt: hoursFromNow(24) });
    const person = await loggedIn(stack);
    const first = await stack.app.inject({ method: 'POST', url: `/api/selections/${selectionId}/dossiers`, headers: person.headers });
    const second = await stack.app.inject({ method: 'POST', url: `/api/selections/${selectionId}/dossiers`, headers: person.headers });
    expect(first.statusCode).toBe(201);
    expect(second.statusCode).toBe(200);
    expect(second.json().dossierId).toEqual(first.json().dossierId);

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
    const person = await loggedIn(stack);
    const opened = await stack.app.inject({ method: 'POST', url: `/api/selections/${selectionId}/dossiers`, headers: person.headers });
    const { dossierId } = opened.json<{ dossierId: string }>();

    const handle = stack.temporal.workflow.getHandle(dossierId);
    const result = await handle.result();
    expect(result.status).toBe('EXPIRED');
    // The workflow ends only once its last state is stored: the record is the final state.
    const stored = await stack.database.models.Dossier.findById(dossierId).lean();
    expect(stored).toMatchObject({ status: 'EXPIRED', revision: result.revision });
    const final = await handle.query(getDossierQuery);
    expect(final.revision).toBe(result.revision);
    expect(final.history.map((entry: { action: string }) => entry.action)).toEqual(expect.arrayContaining(['opened', 'expired']));
    const email = await stack.catcher.waitFor((e) => e.to.includes(person.email) && e.subject.startsWith('Inscriptions closes'));
    expect(email.text).toContain("n'ayant pas été déclaré complet");
  });

  it('refuses to open a dossier on a closed selection, in French', async () => {
    const { selectionId } = await createSelection(stack.database.models, { opensAt: hoursFromNow(-48), closesAt: hoursFromNow(-1) });
    const response = await stack.app.inject({ method: 'POST', url: `/api/selections/${selectionId}/dossiers`, headers: (await loggedIn(stack)).headers });
    expect(response.statusCode).toBe(409);
    expect(response.json()).toEqual({ statusCode: 409, code: 'SELECTION_NOT_OPEN', message: 'Les inscriptions à cette sélection sont closes.' });
  });

  it('refuses to open a dossier on a selection not yet open', async () => {
    const { selectionId } = await createSelection(stack.database.models, { opensAt: hoursFromNow(24), closesAt: hoursFromNow(48) });
    const response = await stack.app.inject({ method: 'POST', url: `/api/selections/${selectionId}/dossiers`, headers: (await loggedIn(stack)).headers });
    expect(response.statusCode).toBe(409);
    expect(response.json().message).toBe('Les inscriptions à cette sélection ne sont pas encore ouvertes.');
  });

  it('answers 404 for an unknown selection or dossier', async () => {
    const selection = await stack.app.inject({ method: 'POST', url: '/api/selections/unknown-2027/dossiers', headers: (await loggedIn(stack)).headers });
    expect(selection.statusCode).toBe(404);
    expect(selection.json().code).toBe('SELECTION_NOT_FOUND');
    const dossier = await stack.app.inject({ method: 'GET', url: '/api/dossiers/dossier:unknown:nobody', headers: (await loggedIn(stack)).headers });
    expect(dossier.statusCode).toBe(404);
    expect(dossier.json().code).toBe('DOSSIER_NOT_FOUND');
  });

  it("hides another candidate's dossier behind a 404, and shows it to the office of its training only", async () => {
    const { selectionId, trainingId } = await createSelection(stack.database.models, { opensAt: hoursFromNow(-1), closesAt: hoursFromNow(24) });
    const owner = await loggedIn(stack);
    const { dossierId } = (await stack.app.inject({ method: 'POST', url: `/api/selections/${selectionId}/dossiers`, headers: owner.headers })).json<{ dossierId: string }>();

    const stranger = await loggedIn(stack);
    const peek = await stack.app.inject({ method: 'GET', url: `/api/dossiers/${dossierId}`, headers: stranger.headers });
    expect(peek.statusCode).toBe(404);
    expect(peek.json().code).toBe('DOSSIER_NOT_FOUND');

    const otherOffice = await loggedIn(stack, { role: 'office', trainingIds: ['another-training'] });
    expect((await stack.app.inject({ method: 'GET', url: `/api/dossiers/${dossierId}`, headers: otherOffice.headers })).statusCode).toBe(404);
    const office = await loggedIn(stack, { role: 'office', trainingIds: [trainingId] });
    expect((await stack.app.inject({ method: 'GET', url: `/api/dossiers/${dossierId}`, headers: office.headers })).statusCode).toBe(200);
    const admin = await loggedIn(stack, { role: 'admin' });
    expect((await stack.app.inject({ method: 'GET', url: `/api/dossiers/${dossierId}`, headers: admin.headers })).statusCode).toBe(200);
  });

  it('answers 400, not a 500, for an id that is not a dossier id (such as another workflow of the namespace)', async () => {
    const user = await loggedIn(stack);
    for (const id of ['purge-expired-records-2026-11-26T10:00:00Z', 'account-email:abc', 'dossier:only-one-part']) {
      const response = await stack.app.inject({ method: 'GET', url: `/api/dossiers/${encodeURIComponent(id)}`, headers: user.headers });
      expect(response.statusCode, id).toBe(400);
      expect(response.json().details[0].field).toBe('params.dossierId');
    }
  });

  it('asks for a log-in before opening or reading a dossier, and lets only candidates open one', async () => {
    const { selectionId } = await createSelection(stack.database.models, { opensAt: hoursFromNow(-1), closesAt: hoursFromNow(24) });
    const anonymous = await stack.app.inject({ method: 'POST', url: `/api/selections/${selectionId}/dossiers` });
    expect(anonymous.statusCode).toBe(401);
    expect(anonymous.json()).toEqual({ statusCode: 401, code: 'UNAUTHENTICATED', message: 'Vous devez vous connecter pour accéder à cette page.' });
    const forged = await stack.app.inject({ method: 'GET', url: '/api/dossiers/dossier:x:y', headers: { authorization: 'Bearer not-a-session' } });
    expect(forged.statusCode).toBe(401);
    const staff = await loggedIn(stack, { role: 'admin' });
    expect((await stack.app.inject({ method: 'POST', url: `/api/selections/${selectionId}/dossiers`, headers: staff.headers })).statusCode).toBe(403);
  });

  it('lists the candidate\'s dossiers from their slots (latest first), even opened all at once, fills the list of an account from before the slots, and skips a removed record', async () => {
    const { models } = stack.database;
    const selections = await Promise.all(Array.from({ length: 6 }, () => createSelection(models, { opensAt: hoursFromNow(-1), closesAt: hoursFromNow(24) })));
    const person = await loggedIn(stack);
    const other = await loggedIn(stack);
    const open = async (selectionId: string, who = person) => (await stack.app.inject({ method: 'POST', url: `/api/selections/${selectionId}/dossiers`, headers: who.headers })).json<{ dossierId: string }>().dossierId;
    const list = async () => (await stack.app.inject({ method: 'GET', url: '/api/me/dossiers', headers: person.headers })).json<{ dossiers: { dossierId: string }[] }>().dossiers.map((d) => d.dossierId);
    const slots = async () => (await models.CandidateDossier.find({}).lean()).filter((slot) => slot._id.startsWith(`${person.accountId}:`));

    // Five at once: each takes its own slot (a list updated in place would lose some on FerretDB).
    const opened = await Promise.all(selections.slice(0, 5).map((selection) => open(selection.selectionId)));
    await open(selections[0]!.selectionId, other);
    expect([...(await list())].sort()).toEqual([...opened].sort());
    expect((await slots()).length).toBe(6); // slot 0 (complete) and one per dossier

    // An account from before the slots: the query fills them once, and a dossier opened then is added.
    await models.CandidateDossier.deleteMany({ _id: { $in: (await slots()).map((slot) => slot._id) } });
    expect([...(await list())].sort()).toEqual([...opened].sort());
    await models.CandidateDossier.deleteMany({ _id: { $in: (await slots()).map((slot) => slot._id) } });
    const sixth = await open(selections[5]!.selectionId);
    const all = await list();
    expect([...all].sort()).toEqual([...opened, sixth].sort());
    expect(all[0]).toBe(sixth);

    // A record removed (retention) is not listed; the others are.
    await models.Dossier.deleteOne({ _id: opened[0] });
    expect([...(await list())].sort()).toEqual([...opened.slice(1), sixth].sort());
  });
});
