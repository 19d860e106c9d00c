/**
 * What the selection office sends about a dossier declared complete: its
 * decisions, its review of each file, one candidate's deadline. One schema
 * each, used by the API to validate the request and by the workflow's
 * validators, so a rule (a comment is required…) and its French message exist once.
 *
 * Imported by workflow code: deterministic, no Node API.
 */
import { z } from 'zod';
import { type DossierContent, describeFile } from './dossier.js';
import { deadlineRefusal } from './dossier-lifecycle.js';
import './validation.js';

const dateTime = z.iso.datetime({ offset: true, message: 'date-heure ISO 8601 attendue, par exemple 2027-03-01T12:00:00+01:00' });
const fileId = z.string().regex(/^[a-f0-9]{24}$/, 'identifiant de fichier invalide');

export const validateDecisionSchema = z.object({ decision: z.literal('validate') });
export const requestChangesDecisionSchema = z.object({
  decision: z.literal('requestChanges'),
  comment: z.string().trim().min(1, 'expliquez au candidat ce qu’il doit modifier').max(4000),
  items: z.array(z.string().trim().min(1).max(300)).max(30).optional().describe('What must change (French), besides the files refused in review.'),
  respondBy: dateTime.optional().describe('Until when the candidate may answer; it only ever moves the deadline later.'),
});
export const rejectDecisionSchema = z.object({
  decision: z.literal('reject'),
  reason: z.string().trim().min(1, 'indiquez le motif du refus').max(4000),
});
export const decisionSchema = z.discriminatedUnion('decision', [validateDecisionSchema, requestChangesDecisionSchema, rejectDecisionSchema]);
export type Decision = z.infer<typeof decisionSchema>;

export const documentReviewInputSchema = z
  .object({
    fileId,
    verdict: z.enum(['accepted', 'refused']),
    comment: z.string().trim().max(1000).optional(),
  })
  .refine((review) => review.verdict === 'accepted' || Boolean(review.comment), { message: 'expliquez pourquoi la pièce est refusée', path: ['comment'] });
export type DocumentReviewInput = z.infer<typeof documentReviewInputSchema>;

export const candidateDeadlineSchema = z.object({ deadline: dateTime });
export const selectionClosingDateSchema = z.object({ closesAt: dateTime });

/** The office's request for changes as the dossier records it: what to change (the files refused in review included) and until when. */
export function applyChangeRequest(
  dossier: Pick<DossierContent, 'documents' | 'diplomas' | 'experiences'> & { reviews?: Record<string, { verdict: 'accepted' | 'refused'; comment?: string | undefined }> | undefined; closesAt: string; deadline?: string | undefined; changesRequested?: unknown },
  request: { comment: string; items?: string[] | undefined; respondBy?: string | undefined },
  at: string,
): { changesRequested: { comment: string; items: string[]; at: string }; deadline?: string } {
  const items = request.items ?? [];
  // The documents refused in review are part of what must change.
  const refused = Object.entries(dossier.reviews ?? {})
    .filter(([fileId, review]) => review.verdict === 'refused' && describeFile(dossier, fileId))
    .map(([fileId, review]) => `${describeFile(dossier, fileId)}${review.comment ? ` : ${review.comment}` : ''}`);
  // A response date only ever moves the candidate's deadline later.
  const later = request.respondBy && !deadlineRefusal(dossier, request.respondBy) ? request.respondBy : undefined;
  return { changesRequested: { comment: request.comment, items: [...items, ...refused.filter((item) => !items.includes(item))], at }, ...(later ? { deadline: later } : {}) };
}
