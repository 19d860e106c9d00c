/**
 * The dossier's requests and answers. The answer is derived from the stored
 * state's schema (domain/dossier-record.ts): every field of the state is in
 * it, the office-only ones optional (a candidate's view leaves them out).
 */
import { z } from 'zod';
import { civilStatusSchema, DOCUMENT_KINDS, diplomaFieldsSchema, experienceFieldsSchema, situationSchema, STEPS } from '../../domain/dossier.js';
import { DOSSIER_STATUSES } from '../../domain/dossier-lifecycle.js';
import { dossierStateSchema } from '../../domain/dossier-record.js';
import { dossierIdSchema } from './common.js';

/** Fields only the office sees: the audit trail, the reviews, and the workflow's bookkeeping. */
export const OFFICE_ONLY_FIELDS = {
  history: true,
  reviews: true,
  revision: true,
  remindersSent: true,
  reminderOffsetsDays: true,
  documentRequirements: true,
} as const satisfies Partial<Record<keyof z.infer<typeof dossierStateSchema>, true>>;

export const dossierStatusSchema = z.enum(DOSSIER_STATUSES).meta({ id: 'DossierStatus' });
const stepCodeSchema = z.enum(STEPS.map((s) => s.step) as [(typeof STEPS)[number]['step'], ...(typeof STEPS)[number]['step'][]]);

export const missingItemSchema = z
  .object({
    code: z.string().describe('Stable: civilStatus, situation, documents.<kind>, diplomas, diplomas.document, experiences.proof.'),
    label: z.string().describe('French, for people.'),
    step: stepCodeSchema.describe('The step whose screen fixes it.'),
    entryId: z.string().optional().describe('The diploma or experience entry concerned.'),
    document: z.enum(DOCUMENT_KINDS).optional().describe('The document to upload.'),
  })
  .meta({ id: 'MissingItem' });

export const dossierSchema = dossierStateSchema
  .partial(OFFICE_ONLY_FIELDS)
  .extend({
    status: dossierStatusSchema,
    selectionTitle: z.string().describe("The selection's title, e.g. « Éducateur spécialisé — rentrée 2027 »."),
    editable: z.boolean().describe('The candidate can still change it: open, before its deadline.'),
    effectiveDeadline: z.string().describe('When the dossier closes: the later of `closesAt` and the candidate’s own `deadline`.'),
    requiredDocuments: z
      .array(z.object({ kind: z.enum(DOCUMENT_KINDS), label: z.string(), uploaded: z.boolean() }))
      .describe('The documents this dossier asks for (its situation, the list in force when it opened).'),
    progress: z.object({
      steps: z.array(z.object({ step: stepCodeSchema, label: z.string(), done: z.boolean(), required: z.boolean() })).describe('In the guide’s order.'),
      missing: z.array(missingItemSchema).describe('What keeps « complet » from being accepted; empty when it can be declared.'),
    }),
  })
  .meta({ id: 'Dossier' });
export type DossierView = z.infer<typeof dossierSchema>;

export const dossierParams = z.object({ dossierId: dossierIdSchema });

// Step requests: the domain's schemas, the rules the workflow applies too.
export const civilStatusBody = civilStatusSchema;
export const situationBody = situationSchema;
export const diplomaBody = diplomaFieldsSchema;
export const experienceBody = experienceFieldsSchema;
export const declarationBody = z.object({
  complete: z.boolean().describe('true: « Dossier complet à travailler »; false: « Dossier incomplet : je poursuivrai plus tard ».'),
});
