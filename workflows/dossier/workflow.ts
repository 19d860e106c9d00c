/**
 * One candidate's dossier for one selection, from "+ S'inscrire" to its end
 * (product.md, "Dossier life cycle"): the candidate's steps and declaration,
 * reminders before the deadline, expiry of a dossier not declared complete in
 * time, and the office's decisions on one that was. This file wires the
 * messages to their handlers and runs the deadline; the rules are in
 * domain/dossier-lifecycle.ts, the plumbing in run.ts.
 *
 * Workflow code: imports activity types only, no Node API.
 */
import { condition, continueAsNew, setHandler, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import { missingItems } from '../../domain/dossier.js';
import { effectiveDeadline, isFinal, isOpen, nextReminder, type Reminder, reminderIsDue } from '../../domain/dossier-lifecycle.js';
import { readSelectionClosesAt } from './activities.js';
import { registerCandidateSteps } from './candidate-steps.js';
import { type DossierOutcome, type DossierWorkflowInput, extendDeadlineSignal, getDossierQuery, openDossierUpdate, searchAttributes } from './contract.js';
import { registerOfficeActions } from './office-actions.js';
import { DossierRun, SYSTEM } from './run.js';

export async function dossierWorkflow(input: DossierWorkflowInput): Promise<DossierOutcome> {
  const run = new DossierRun(input);
  const { dossier } = run;

  setHandler(getDossierQuery, () => dossier);
  setHandler(openDossierUpdate, async () => {
    await condition(() => run.stored);
    return run.receipt;
  });
  // The order of registration is the order in which messages buffered before it are handled: kept as the
  // recorded histories have it (candidate steps, the selection's extension, the office's actions).
  registerCandidateSteps(run);
  setHandler(extendDeadlineSignal, ({ closesAt }) => {
    // Only later dates, and only for dossiers not ended.
    if (isFinal(dossier.status) || !(Date.parse(closesAt) > Date.parse(dossier.closesAt))) return;
    dossier.closesAt = closesAt;
    run.audit(SYSTEM, 'deadline.selectionExtended', closesAt);
    run.changed = true;
    void run.persist();
  });
  registerOfficeActions(run);

  if (!('continued' in input)) {
    upsertSearchAttributes([
      { key: searchAttributes.status, value: dossier.status },
      { key: searchAttributes.selection, value: dossier.selectionId },
      { key: searchAttributes.candidate, value: dossier.candidate.id },
    ]);
    run.audit(run.candidate, 'opened');
    await run.persist();
    run.stored = true;
    run.notify('opened', { kind: 'dossierOpened', trainingTitle: dossier.trainingTitle, closesAt: dossier.closesAt });
  }

  while (!isFinal(dossier.status)) {
    if (isOpen(dossier.status)) {
      const closesAt = Date.parse(effectiveDeadline(dossier));
      if (Date.now() >= closesAt) {
        if (await deadlineStillPassed(run)) {
          await expire(run);
          break;
        }
        continue;
      }
      const reminder = nextReminder(dossier, Date.now());
      run.changed = false;
      await condition(() => run.changed, (reminder ? Math.min(reminder.at, closesAt) : closesAt) - Date.now());
      // Whatever woke the loop, a reminder whose time has come is sent (a step in the same instant must not skip it),
      // unless the deadline moved meanwhile: the reminder's key names the date it was for.
      if (reminder && reminderIsDue(reminder, dossier, Date.now())) await remind(run, reminder);
    } else {
      // Declared complete: the selection office decides.
      run.changed = false;
      await condition(() => run.changed);
    }
    if (workflowInfo().continueAsNewSuggested) {
      await condition(run.settled);
      await continueAsNew<typeof dossierWorkflow>({ continued: dossier });
    }
  }

  await condition(run.settled);
  return { status: dossier.status, revision: dossier.revision };
}

/**
 * The deadline is the selection's: asks it, in case an extension signal was
 * missed. False when the dossier has more time after all.
 */
async function deadlineStillPassed(run: DossierRun): Promise<boolean> {
  const { dossier } = run;
  const current = await readSelectionClosesAt(dossier.selectionId);
  if (current && Date.parse(current) > Date.parse(dossier.closesAt)) {
    dossier.closesAt = current;
    await run.persist();
  }
  // An extension signal may also have arrived while the selection was read.
  return !(Date.parse(effectiveDeadline(dossier)) > Date.now());
}

async function remind(run: DossierRun, reminder: Reminder): Promise<void> {
  const { dossier } = run;
  if (!isOpen(dossier.status)) return;
  dossier.remindersSent.push(reminder.key);
  run.audit(SYSTEM, 'reminder.sent', `${reminder.daysLeft}`);
  await run.persist();
  // Declared complete meanwhile: no reminder.
  if (!isOpen(dossier.status)) return;
  run.notify(`reminder:${reminder.key}`, {
    kind: 'dossierReminder',
    trainingTitle: dossier.trainingTitle,
    closesAt: reminder.closesAt,
    daysLeft: reminder.daysLeft,
    missing: missingItems(dossier).map((item) => item.label),
  });
}

async function expire(run: DossierRun): Promise<void> {
  // Withdrawn or declared complete while the selection was being read: nothing to close.
  if (!isOpen(run.dossier.status)) return;
  await run.transition({
    lifecycle: 'expire',
    action: 'expired',
    by: SYSTEM,
    change: (d) => (d.endedAt = new Date().toISOString()),
    email: (d) => ({ purpose: 'expired', template: { kind: 'dossierExpired', trainingTitle: d.trainingTitle, closesAt: effectiveDeadline(d) } }),
  });
}
