/**
 * The dossier as the workflow holds it and MongoDB stores it, as one zod
 * schema: `DossierState` is inferred from it, and the API's answer is derived
 * from it (api/schemas/dossier.ts), so a field added here cannot vanish from
 * the answers.
 *
 * Workflow code imports only the types of this module (`import type`): the
 * schemas themselves stay out of the workflow bundle.
 */
import { z } from 'zod';
import {
  civilStatusShape,
  diplomaEntrySchema,
  DOCUMENT_KINDS,
  documentRequirementsSchema,
  experienceEntrySchema,
  fileRefSchema,
  situationSchema,
} from './dossier.js';
import { DOSSIER_STATUSES } from './dossier-lifecycle.js';

const isoDateTime = z.string().describe('ISO 8601 date-time');

export const candidateSchema = z
  .object({ id: z.string().describe("The candidate's account id."), email: z.string(), firstName: z.string(), lastName: z.string() })
  .meta({ id: 'Candidate' });
export type Candidate = z.infer<typeof candidateSchema>;

/** Who did something to a dossier, for the audit trail. */
export const actorSchema = z
  .object({ type: z.enum(['candidate', 'staff', 'system']), id: z.string().optional(), name: z.string().optional() })
  .meta({ id: 'Actor' });
export type Actor = z.infer<typeof actorSchema>;

/** One line of the dossier's audit trail, shown to the office. */
export const auditEntrySchema = z
  .object({
    at: isoDateTime,
    actor: actorSchema,
    action: z.string().describe('Stable, e.g. "civilStatus.saved", "decision.validated", "email.sent".'),
    detail: z.string().optional(),
  })
  .meta({ id: 'AuditEntry' });
export type AuditEntry = z.infer<typeof auditEntrySchema>;

export const documentReviewSchema = z
  .object({ verdict: z.enum(['accepted', 'refused']), comment: z.string().optional(), by: actorSchema, at: isoDateTime })
  .meta({ id: 'DocumentReview' });
export type DocumentReview = z.infer<typeof documentReviewSchema>;


export const dossierStateSchema = z.object({
  dossierId: z.string().describe('The workflow id, "dossier:<selectionId>:<candidateId>".'),
  selectionId: z.string(),
  /** Set at opening since the selection's title was kept; older dossiers show the training's. */
  selectionTitle: z.string().optional(),
  trainingTitle: z.string(),
  candidate: candidateSchema,
  status: z.enum(DOSSIER_STATUSES),
  closesAt: isoDateTime.describe("The selection's closing date-time."),
  openedAt: isoDateTime,
  reminderOffsetsDays: z.array(z.number()).describe('Days before the deadline when an unfinished dossier gets a reminder.'),
  /** Keys of the reminders already sent ("<offset>:<closesAt>"), so an extension re-arms them. */
  remindersSent: z.array(z.string()),
  /** The selection's documents per situation when the dossier opened: the dossier keeps this list. */
  documentRequirements: documentRequirementsSchema.optional(),
  civilStatus: civilStatusShape.optional(),
  situation: situationSchema.optional(),
  documents: z.partialRecord(z.enum(DOCUMENT_KINDS), fileRefSchema),
  diplomas: z.array(diplomaEntrySchema),
  experiences: z.array(experienceEntrySchema),
  /**
   * This candidate's own deadline (a one-candidate extension, or the office's
   * response date after asking for changes). The dossier closes at the later
   * of it and the selection's closesAt.
   */
  deadline: isoDateTime.optional().describe("This candidate's own deadline, when the office set one."),
  declaredIncompleteAt: isoDateTime.optional(),
  submittedAt: isoDateTime.optional(),
  endedAt: isoDateTime.optional(),
  /** The office's last request for changes. */
  changesRequested: z.object({ comment: z.string(), items: z.array(z.string()), at: isoDateTime }).optional(),
  decision: z
    .object({
      outcome: z.enum(['VALIDATED', 'REJECTED']),
      at: isoDateTime,
      by: actorSchema,
      reason: z.string().optional(),
      /** Sent with the validation: what the candidate pays, and how. */
      paymentTerms: z.string().optional(),
    })
    .optional(),
  /** The office's review of each submitted file, by file id; a replaced file has none. */
  reviews: z.record(z.string(), documentReviewSchema).optional(),
  history: z.array(auditEntrySchema),
  /** Increases with every change, so a late activity retry never overwrites newer data. */
  revision: z.number().int(),
});
export type DossierState = z.infer<typeof dossierStateSchema>;

/** What a dossier starts from, at "+ S'inscrire": the selection as it is then, and the candidate. */
export type DossierOpening = Pick<DossierState, 'selectionId' | 'trainingTitle' | 'candidate' | 'closesAt' | 'reminderOffsetsDays' | 'documentRequirements'> & {
  selectionTitle: string;
};
