import { log, proxyActivities, setHandler, sleep, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../../activities/index.js';
import {
  type DossierStatus,
  type DossierView,
  type DossierWorkflowInput,
  getDossierQuery,
  searchAttributes,
} from './contract.js';

const { storeDossier } = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute' },
});

// E-mails wait out an SMTP outage (retried for up to a week); a message the
// relay refuses outright fails at once (non-retryable).
const { sendEmail } = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  scheduleToCloseTimeout: '7 days',
  retry: { initialInterval: '5 seconds', maximumInterval: '10 minutes' },
});

/**
 * One candidate's dossier for one selection, from "+ S'inscrire" to its end.
 * This first version opens the dossier, stores it, acknowledges it by e-mail
 * and closes it as EXPIRED at the selection's closing date.
 */
export async function dossierWorkflow(input: DossierWorkflowInput): Promise<DossierView> {
  const info = workflowInfo();
  const dossier: DossierView = {
    dossierId: info.workflowId,
    selectionId: input.selectionId,
    trainingTitle: input.trainingTitle,
    candidate: input.candidate,
    status: 'DRAFT',
    closesAt: input.closesAt,
    openedAt: new Date(info.startTime).toISOString(),
    revision: 0,
  };
  setHandler(getDossierQuery, () => dossier);

  async function moveTo(status: DossierStatus): Promise<void> {
    dossier.status = status;
    dossier.revision += 1;
    upsertSearchAttributes([{ key: searchAttributes.status, value: status }]);
    await storeDossier(dossier);
  }

  upsertSearchAttributes([
    { key: searchAttributes.status, value: dossier.status },
    { key: searchAttributes.selection, value: dossier.selectionId },
    { key: searchAttributes.candidate, value: dossier.candidate.id },
  ]);
  await storeDossier(dossier);
  try {
    await sendEmail({
      idempotencyKey: `${dossier.dossierId}:opened`,
      to: dossier.candidate.email,
      template: { kind: 'dossierOpened', trainingTitle: dossier.trainingTitle, closesAt: dossier.closesAt },
    });
  } catch (error) {
    // A refused address must not end the dossier; the failure stays visible in the history.
    log.warn('dossier-opened e-mail not delivered', { error: String(error) });
  }

  // Nothing can change the dossier yet, so the closing date is the only way forward.
  await sleep(Math.max(0, Date.parse(dossier.closesAt) - Date.now()));
  await moveTo('EXPIRED');
  return dossier;
}
