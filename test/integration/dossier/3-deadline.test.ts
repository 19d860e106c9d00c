import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loggedIn } from '../../support/accounts.js';
import { civilStatus, createSelection, hoursFromNow, SECOND_IN_DAYS } from '../../support/fixtures.js';
import { formatParisDateTime } from '../../../domain/paris-time.js';
import { eventually, useTestStack } from '../../support/stack.js';
import { apiClient, dossierPath } from '../../support/api-client.js';
import { candidateJourney } from '../../support/journey.js';


describe('deadline, reminders and extensions', () => {
  const stack = useTestStack();

  it('reminds an unfinished dossier before the closing date, never a complete one', async () => {
    // Closes in 8 s, reminder 5 s before: the reminder is due about 3 s from now.
    const { selectionId } = await createSelection(stack.database.models, {
      opensAt: hoursFromNow(-1),
      closesAt: new Date(Date.now() + 8_000),
      reminderOffsetsDays: [5 * SECOND_IN_DAYS],
    });
    const unfinished = await loggedIn(stack);
    await apiClient(stack.app, { token: unfinished.token }).call('POST', `/api/selections/${selectionId}/dossiers`);

    const complete = await loggedIn(stack);
    await stack.database.models.Account.updateOne({ _id: complete.accountId }, { $set: { emailVerifiedAt: new Date() } });
    const dossierId = await candidateJourney(apiClient(stack.app, { token: complete.token }), selectionId, { readyToDeclare: true });
    expect((await apiClient(stack.app, { token: complete.token }).call('POST', `${dossierPath(dossierId)}/declaration`, { complete: true })).body.status).toBe('SUBMITTED');

    const reminder = await stack.catcher.waitFor((e) => e.to.includes(unfinished.email) && e.subject.startsWith('Plus que'), 15_000);
    expect(reminder.text).toContain('Il reste à fournir :');
    expect(reminder.text).toContain('  - CV à téléverser');
    await stack.catcher.waitFor((e) => e.to.includes(unfinished.email) && e.subject.startsWith('Inscriptions closes'), 15_000);
    expect(stack.catcher.messages.filter((e) => e.to.includes(complete.email) && (e.subject.startsWith('Plus que') || e.subject.startsWith('Inscriptions closes')))).toEqual([]);
    const submitted = await stack.database.models.Dossier.findById(dossierId).lean();
    expect(submitted?.status).toBe('SUBMITTED');
  });

  it("moves every open dossier's deadline at once when the office extends the selection", async () => {
    const { selectionId, trainingId } = await createSelection(stack.database.models, { opensAt: hoursFromNow(-1), closesAt: new Date(Date.now() + 4_000) });
    const candidates = [await loggedIn(stack), await loggedIn(stack)];
    const dossierIds: string[] = [];
    for (const candidate of candidates) {
      dossierIds.push((await apiClient(stack.app, { token: candidate.token }).call('POST', `/api/selections/${selectionId}/dossiers`)).body.dossierId);
    }
    const otherOffice = await loggedIn(stack, { role: 'office', trainingIds: ['elsewhere'] });
    const newClosesAt = hoursFromNow(24 * 7).toISOString();
    const refused = await stack.app.inject({ method: 'POST', url: `/api/staff/selections/${selectionId}/closing-date`, headers: otherOffice.headers, payload: { closesAt: newClosesAt } });
    expect(refused.statusCode).toBe(404);

    const office = await loggedIn(stack, { role: 'office', trainingIds: [trainingId] });
    const extended = await stack.app.inject({ method: 'POST', url: `/api/staff/selections/${selectionId}/closing-date`, headers: office.headers, payload: { closesAt: newClosesAt } });
    expect(extended.statusCode).toBe(202);
    expect(extended.json()).toEqual({ closesAt: newClosesAt, dossiersToNotify: 2, batchJobId: expect.stringMatching(new RegExp(`^closing-date:${selectionId}:`)) });
    // The engine tells them (a batch operation): its progress, until both are told.
    const progressPath = `/api/staff/selections/${selectionId}/closing-date/batches/${encodeURIComponent(extended.json().batchJobId)}`;
    expect(extended.headers.location).toBe(progressPath);
    // A dossier opened while the batch runs is not missed: it starts with the stored date.
    const late = await loggedIn(stack);
    const lateOpened = await stack.app.inject({ method: 'POST', url: `/api/selections/${selectionId}/dossiers`, headers: late.headers });
    expect(lateOpened.json().closesAt).toBe(newClosesAt);
    const progress = await eventually(async () => {
      const answer = (await stack.app.inject({ method: 'GET', url: progressPath, headers: office.headers })).json();
      return answer.state === 'completed' ? answer : undefined;
    }, 60_000);
    // Two, or three if the batch listed the dossiers after the late one was opened.
    expect(progress).toMatchObject({ state: 'completed', failed: 0 });
    expect(progress.done).toBe(progress.total);
    expect([2, 3]).toContain(progress.total);
    // Another office cannot follow it; a job of another selection is not found through this one.
    expect((await stack.app.inject({ method: 'GET', url: progressPath, headers: otherOffice.headers })).statusCode).toBe(404);
    // Sending the same date again is a harmless re-send.
    const again = await stack.app.inject({ method: 'POST', url: `/api/staff/selections/${selectionId}/closing-date`, headers: office.headers, payload: { closesAt: newClosesAt } });
    expect(again.json()).toMatchObject({ dossiersToNotify: 3 }); // the late one too

    for (const dossierId of dossierIds) {
      const state = await eventually(async () => {
        const record = await stack.database.models.Dossier.findById(dossierId).lean();
        return record?.state.closesAt === newClosesAt ? record : undefined;
      });
      expect(state.status).toBe('DRAFT');
    }
    // Past the old closing date, the dossiers are still open and editable.
    await new Promise((resolve) => setTimeout(resolve, 4_500));
    const client = apiClient(stack.app, { token: candidates[0]!.token });
    expect((await client.call('PUT', `${dossierPath(dossierIds[0]!)}/civil-status`, civilStatus)).status).toBe(200);

    const earlier = await stack.app.inject({ method: 'POST', url: `/api/staff/selections/${selectionId}/closing-date`, headers: office.headers, payload: { closesAt: hoursFromNow(1).toISOString() } });
    expect(earlier.statusCode).toBe(400);
    expect(earlier.json().code).toBe('DEADLINE_NOT_LATER');
  });

  it('moves a dossier with changes requested to the new closing date too, with its reminders timed on that date', async () => {
    // Old timeline: closes in 30 s, reminder 25 s before (due in 5 s). The office extends to 10 s later: the reminder is due in 15 s.
    const closesAt = new Date(Date.now() + 30_000);
    const { selectionId, trainingId } = await createSelection(stack.database.models, { opensAt: hoursFromNow(-1), closesAt, reminderOffsetsDays: [25 * SECOND_IN_DAYS] });
    const candidate = await loggedIn(stack);
    await stack.database.models.Account.updateOne({ _id: candidate.accountId }, { $set: { emailVerifiedAt: new Date() } });
    const client = apiClient(stack.app, { token: candidate.token });
    const dossierId = await candidateJourney(client, selectionId, { readyToDeclare: true });
    expect((await client.call('POST', `${dossierPath(dossierId)}/declaration`, { complete: true })).body.status).toBe('SUBMITTED');
    const office = apiClient(stack.app, { token: (await loggedIn(stack, { role: 'office', trainingIds: [trainingId] })).token });
    const asked = await office.call('POST', `/api/staff/dossiers/${encodeURIComponent(dossierId)}/decision`, { decision: 'requestChanges', comment: 'Pièce d’identité illisible.' });
    expect(asked.body.status).toBe('CHANGES_REQUESTED');

    const newClosesAt = new Date(closesAt.getTime() + 10_000).toISOString();
    const extended = await office.call('POST', `/api/staff/selections/${selectionId}/closing-date`, { closesAt: newClosesAt });
    expect(extended.body).toMatchObject({ closesAt: newClosesAt, dossiersToNotify: 1 });
    // Followed at once, long before the old date would have made it ask the selection.
    const moved = await eventually(async () => {
      const record = await stack.database.models.Dossier.findById(dossierId).lean();
      return record?.state.closesAt === newClosesAt ? record : undefined;
    }, 5_000);
    expect(moved.status).toBe('CHANGES_REQUESTED');

    const reminder = await stack.catcher.waitFor((e) => e.to.includes(candidate.email) && e.subject.startsWith('Plus que'), 25_000);
    expect(reminder.text).toContain(formatParisDateTime(newClosesAt));
    expect(reminder.receivedAt.getTime()).toBeGreaterThanOrEqual(Date.parse(newClosesAt) - 25_000 - 1_000);
    expect(stack.catcher.messages.filter((e) => e.to.includes(candidate.email) && e.subject.startsWith('Plus que'))).toHaveLength(1);
  }, 60_000);

  it('does not expire a dossier whose extension signal was missed: it checks the selection first', async () => {
    const { selectionId } = await createSelection(stack.database.models, { opensAt: hoursFromNow(-1), closesAt: new Date(Date.now() + 3_000) });
    const user = await loggedIn(stack);
    const dossierId: string = (await apiClient(stack.app, { token: user.token }).call('POST', `/api/selections/${selectionId}/dossiers`)).body.dossierId;
    const later = hoursFromNow(48);
    await stack.database.models.Selection.updateOne({ _id: selectionId }, { $set: { closesAt: later } }); // no signal sent
    const moved = await eventually(async () => {
      const record = await stack.database.models.Dossier.findById(dossierId).lean();
      return record?.state.closesAt === later.toISOString() ? record : undefined;
    }, 15_000);
    expect(moved.status).toBe('DRAFT');
  });

  it('returns the same dossier when "+ S\'inscrire" is sent twice at once', async () => {
    const { selectionId } = await createSelection(stack.database.models, { opensAt: hoursFromNow(-1), closesAt: hoursFromNow(24) });
    const user = await loggedIn(stack);
    const client = apiClient(stack.app, { token: user.token });
    const [a, b] = await Promise.all([client.call('POST', `/api/selections/${selectionId}/dossiers`), client.call('POST', `/api/selections/${selectionId}/dossiers`)]);
    expect(a.body.dossierId).toBe(b.body.dossierId);
    expect(await stack.database.models.Dossier.countDocuments({ selectionId })).toBe(1);
    await stack.catcher.waitFor((e) => e.to.includes(user.email) && e.subject.startsWith("Votre dossier d'inscription"));
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(stack.catcher.messages.filter((e) => e.to.includes(user.email))).toHaveLength(1);
  });
});
