/**
 * Retention as the purge Schedule applies it (the real purge workflow, on the
 * test worker): ended dossiers past their selection's period are erased with
 * their files and counted in the selection's audit; live or recent ones stay;
 * idle accounts are warned, then removed unless someone logs in; old e-mail
 * rows go.
 */
import { describe, expect, it } from 'vitest';
import { createAccount } from '../../../accounts/accounts.js';
import { createFileStore } from '../../../db/files.js';
import { purgeExpiredRecordsWorkflow } from '../../../workflows/accounts/workflow.js';
import { loggedIn, STRONG_PASSWORD } from '../../support/accounts.js';
import { apiClient, dossierPath } from '../../support/api-client.js';
import { createSelection, hoursFromNow } from '../../support/fixtures.js';
import { candidateJourney } from '../../support/journey.js';
import { useTestStack } from '../../support/stack.js';

const DAY_MS = 24 * 3600_000;
const daysAgo = (days: number) => new Date(Date.now() - days * DAY_MS);

describe('retention', () => {
  const stack = useTestStack();
  const purge = () => stack.temporal.workflow.execute(purgeExpiredRecordsWorkflow, { workflowId: `purge-${Date.now()}-${Math.random()}`, taskQueue: stack.taskQueue, args: [] });

  /** Moves a dossier's end (its record's last write) and its selection's closing date into the past, as time would. */
  async function age(dossierId: string, selectionId: string, closedDaysAgo: number, endedDaysAgo = closedDaysAgo) {
    await stack.database.models.Selection.updateOne({ _id: selectionId }, { $set: { closesAt: daysAgo(closedDaysAgo) } }, { timestamps: false });
    await stack.database.models.Dossier.updateOne({ _id: dossierId }, { $set: { updatedAt: daysAgo(endedDaysAgo) } }, { timestamps: false });
  }

  it("erases ended dossiers past their selection's period with their files, keeps the others, and counts the purge in the selection's audit", async () => {
    const { models } = stack.database;
    const files = createFileStore(stack.database.connection);
    const short = await createSelection(models, { opensAt: hoursFromNow(-1), closesAt: hoursFromNow(48) });
    await models.Selection.updateOne({ _id: short.selectionId }, { $set: { retentionMonths: { WITHDRAWN: 1 } } });
    const usual = await createSelection(models, { opensAt: hoursFromNow(-1), closesAt: hoursFromNow(48) });

    const candidate = await loggedIn(stack);
    const client = apiClient(stack.app, { token: candidate.token });
    // Withdrawn, in a selection keeping withdrawn dossiers 1 month: due after 40 days.
    const due = await candidateJourney(client, short.selectionId, { n: 1, readyToDeclare: true });
    expect((await client.call('POST', `${dossierPath(due)}/withdrawal`)).status).toBe(200);
    const dueFiles = (await models.Dossier.findById(due).lean())!.state as { documents: Record<string, { fileId: string }> };
    // Withdrawn too, but under the default 6 months: kept after 40 days.
    const kept = (await client.call('POST', `/api/selections/${usual.selectionId}/dossiers`)).body.dossierId as string;
    expect((await client.call('POST', `${dossierPath(kept)}/withdrawal`)).status).toBe(200);
    // Still being filled (another candidate, same short selection): never purged, whatever the dates.
    const other = await loggedIn(stack);
    const live = (await apiClient(stack.app, { token: other.token }).call('POST', `/api/selections/${short.selectionId}/dossiers`)).body.dossierId as string;

    await age(due, short.selectionId, 40);
    await age(kept, usual.selectionId, 40);
    await models.Dossier.updateOne({ _id: live }, { $set: { updatedAt: daysAgo(400) } }, { timestamps: false });

    const outcome = await purge();
    expect(outcome).toMatchObject({ dossiers: 1, files: 4 });
    expect(await models.Dossier.exists({ _id: due })).toBeNull();
    // « Mes inscriptions » no longer names it; the dossier kept is still listed.
    expect((await client.call('GET', '/api/me/dossiers')).body.dossiers.map((d: { dossierId: string }) => d.dossierId)).toEqual([kept]);
    expect(await models.CandidateDossier.exists({ dossierId: due })).toBeNull();
    for (const { fileId } of Object.values(dueFiles.documents)) expect(await files.find(fileId)).toBeNull();
    expect(await models.Dossier.exists({ _id: kept })).not.toBeNull();
    expect(await models.Dossier.exists({ _id: live })).not.toBeNull();

    const audit = (await models.Selection.findById(short.selectionId).lean())!.purges;
    expect(audit).toEqual([expect.objectContaining({ dossiers: 1, files: 4, byOutcome: { WITHDRAWN: 1 } })]);
    // The office sees it on the selection's page; candidates see the periods before signing up.
    const admin = await loggedIn(stack, { role: 'admin' });
    const page = await stack.app.inject({ method: 'GET', url: `/service/selections/${short.selectionId}`, headers: { cookie: `candidature_session=${admin.token}` } });
    expect(page.body).toContain('Conservation et purges');
    expect(page.body).toMatch(/dossier retiré par le candidat : 1 mois/);
    await createSelection(models, { opensAt: hoursFromNow(-1), closesAt: hoursFromNow(48) });
    const selections = await stack.app.inject({ method: 'GET', url: '/selections' });
    expect(selections.body).toContain('Conservation de votre dossier');
    // Run again: nothing more is due.
    expect(await purge()).toMatchObject({ dossiers: 0 });
  });

  it('warns a candidate account idle for 24 months with no dossier, removes it 30 days later, and keeps one whose owner logged in', async () => {
    const { models } = stack.database;
    const idle = { identifier: `idle-${Date.now()}`, email: `idle-${Date.now()}@example.org`, firstName: 'Inès', lastName: 'Active', password: STRONG_PASSWORD, role: 'candidate' as const };
    const back = { ...idle, identifier: `${idle.identifier}-b`, email: `b-${idle.email}` };
    const { id: idleId } = await createAccount(models, idle);
    const { id: backId } = await createAccount(models, back);
    await models.Account.updateMany({ _id: { $in: [idleId, backId] } }, { $set: { lastLoginAt: daysAgo(25 * 31) } });
    // An account from before the rule (no date at all) is counted from the first run, not warned at once.
    const { id: oldId } = await createAccount(models, { ...idle, identifier: `${idle.identifier}-o`, email: `o-${idle.email}` });
    await models.Account.collection.updateOne({ _id: oldId as never }, { $unset: { lastLoginAt: 1 }, $set: { createdAt: daysAgo(40 * 31) } });

    expect(await purge()).toMatchObject({ accountsWarned: 2, accountsRemoved: 0 });
    const warning = await stack.catcher.waitFor((mail) => mail.to.includes(idle.email) && mail.subject.includes('supprimé'));
    expect(warning.text).toMatch(/il suffit de vous connecter avant cette date : http:\/\/candidature\.test\/connexion/);
    // Warned once, not at every run.
    expect(await purge()).toMatchObject({ accountsWarned: 0, accountsRemoved: 0 });

    // One owner logs in; thirty days pass.
    expect((await stack.app.inject({ method: 'POST', url: '/api/auth/login', payload: { login: back.identifier, password: STRONG_PASSWORD, client: 'api' } })).statusCode).toBe(200);
    await models.Account.updateMany({ _id: { $in: [idleId, backId] } }, { $set: { inactivityWarnedAt: daysAgo(31) } }, { timestamps: false });
    // (The log-in is recent, so the account that logged in is no longer idle whatever its warning says.)
    expect(await purge()).toMatchObject({ accountsRemoved: 1 });
    expect(await models.Account.exists({ _id: idleId })).toBeNull();
    expect(await models.Account.exists({ _id: backId })).not.toBeNull();
    const old = await models.Account.findById(oldId).lean();
    expect(old?.inactivityWarnedAt).toBeUndefined();
    expect(Math.abs(old!.lastLoginAt!.getTime() - Date.now())).toBeLessThan(120_000);
  });

  it('drops the e-mails’ idempotency rows after a week and a day, never storing the address', async () => {
    const { models } = stack.database;
    await models.SentEmail.create({ _id: `old-${Date.now()}`, subject: 'x', messageId: 'm', sentAt: daysAgo(9) });
    await models.SentEmail.create({ _id: `new-${Date.now()}`, subject: 'x', messageId: 'm', sentAt: daysAgo(1) });
    expect((await purge()).sentEmails).toBeGreaterThanOrEqual(1);
    expect(await models.SentEmail.countDocuments({ sentAt: { $lt: daysAgo(8) } })).toBe(0);
    expect(await models.SentEmail.countDocuments({ sentAt: { $gt: daysAgo(2) } })).toBeGreaterThanOrEqual(1);
    expect(await models.SentEmail.countDocuments({ to: { $exists: true } })).toBe(0);
  });
});
