/**
 * The selection office's actions on a dossier: the review of each file, the
 * decisions on a dossier declared complete, one candidate's deadline. Their
 * inputs are checked with the same schemas as the API's requests.
 *
 * Workflow code: deterministic, no Node API.
 */
import { setHandler } from '@temporalio/workflow';
import { applyChangeRequest, candidateDeadlineSchema, documentReviewInputSchema, rejectDecisionSchema, requestChangesDecisionSchema } from '../../domain/decisions.js';
import { decisionEmail } from '../../mail/dossier-emails.js';
import { describeFile } from '../../domain/dossier.js';
import { deadlineRefusal, effectiveDeadline } from '../../domain/dossier-lifecycle.js';
import { issuesToDetails } from '../../domain/validation.js';
import { extendCandidateDeadlineUpdate, rejectUpdate, requestChangesUpdate, reviewDocumentUpdate, validateUpdate } from './contract.js';
import { type DossierRun, refuse } from './run.js';

function check(schema: { safeParse(value: unknown): { success: boolean; error?: { issues: Parameters<typeof issuesToDetails>[0] } } }, value: unknown): void {
  const result = schema.safeParse(value);
  if (!result.success) refuse({ code: 'VALIDATION_FAILED', message: 'La demande contient des données invalides.' }, issuesToDetails(result.error!.issues, 'body'));
}

export function registerOfficeActions(run: DossierRun): void {
  const { dossier } = run;

  setHandler(reviewDocumentUpdate, async ({ by, fileId, verdict, comment }) => {
    dossier.reviews ??= {};
    dossier.reviews[fileId] = { verdict, by, at: new Date().toISOString(), ...(comment ? { comment } : {}) };
    return run.commit({ action: `document.${verdict}`, by, detail: [describeFile(dossier, fileId), comment].filter(Boolean).join(' — ') });
  }, {
    validator: ({ by: _by, ...review }) => {
      run.assertAllowed('reviewDocument');
      check(documentReviewInputSchema, review);
      if (!describeFile(dossier, review.fileId)) refuse({ code: 'ENTRY_NOT_FOUND', message: "Ce fichier n'appartient pas à ce dossier." });
    },
  });

  setHandler(validateUpdate, ({ by, paymentTerms }) =>
    run.transition({
      lifecycle: 'validate',
      action: 'decision.validated',
      by,
      change: (d) => {
        d.decision = { outcome: 'VALIDATED', at: new Date().toISOString(), by, paymentTerms };
        d.endedAt = d.decision.at;
      },
      email: (d) => ({ purpose: 'validated', template: decisionEmail(d, { decision: 'validate', paymentTerms }) }),
    }), { validator: (_input) => run.assertAllowed('validate') });

  setHandler(rejectUpdate, ({ by, reason }) =>
    run.transition({
      lifecycle: 'reject',
      action: 'decision.rejected',
      by,
      detail: reason,
      change: (d) => {
        d.decision = { outcome: 'REJECTED', at: new Date().toISOString(), by, reason };
        d.endedAt = d.decision.at;
      },
      email: (d) => ({ purpose: 'rejected', template: decisionEmail(d, { decision: 'reject', reason }) }),
    }), {
    validator: ({ reason }) => {
      run.assertAllowed('reject');
      check(rejectDecisionSchema, { decision: 'reject', reason });
    },
  });

  setHandler(requestChangesUpdate, ({ by, comment, items = [], respondBy }) =>
    run.transition({
      lifecycle: 'requestChanges',
      action: 'decision.changesRequested',
      by,
      detail: comment,
      change: (d) => Object.assign(d, applyChangeRequest(d, { comment, items, respondBy }, new Date().toISOString())),
      email: (d) => ({ purpose: `changes:${d.revision}`, template: decisionEmail(d, { decision: 'requestChanges', comment }) }),
    }), {
    validator: ({ by: _by, ...request }) => {
      run.assertAllowed('requestChanges');
      check(requestChangesDecisionSchema, { decision: 'requestChanges', ...request });
      const until = request.respondBy && !deadlineRefusal(dossier, request.respondBy) ? request.respondBy : effectiveDeadline(dossier);
      if (!(Date.parse(until) > Date.now())) {
        refuse(
          {
            code: 'VALIDATION_FAILED',
            message: 'La date de clôture est passée : fixez une date de réponse à venir pour laisser au candidat le temps de modifier son dossier.',
          },
          [{ field: 'body.respondBy', code: 'REQUIRED', message: 'date de réponse à venir obligatoire' }],
        );
      }
    },
  });

  setHandler(extendCandidateDeadlineUpdate, async ({ by, deadline }) => {
    dossier.deadline = deadline;
    return run.commit({ action: 'deadline.candidateExtended', by, detail: deadline });
  }, {
    validator: ({ deadline }) => {
      run.assertAllowed('extendCandidateDeadline');
      check(candidateDeadlineSchema, { deadline });
      const refusal = deadlineRefusal(dossier, deadline);
      if (refusal) refuse(refusal, [{ field: 'body.deadline', code: 'NOT_LATER', message: 'date postérieure à la date limite actuelle attendue' }]);
    },
  });
}
