/** A selection as the API shows it, and as the office creates or edits it. */
import { z } from 'zod';
import { DOCUMENT_KINDS, documentRequirementsSchema, SITUATIONS } from '../../domain/dossier.js';
import { retentionMonthsSchema } from '../../domain/retention.js';
import { idSchema } from './common.js';

const documentOfSituation = z.object({ kind: z.enum(DOCUMENT_KINDS), label: z.string() });
export const situationDocumentsSchema = z
  .object({ situation: z.enum(SITUATIONS.map((s) => s.code) as [string, ...string[]]), label: z.string(), documents: z.array(documentOfSituation) })
  .meta({ id: 'SituationDocuments' });

export const officeContactSchema = z
  .object({ name: z.string().trim().min(1, 'nom du contact obligatoire').max(200), email: z.email(), phone: z.string().trim().max(30).optional() })
  .meta({ id: 'OfficeContact', description: '« En cas de difficulté », the selection office to contact.' });

export const selectionSchema = z
  .object({
    id: z.string(),
    title: z.string(),
    training: z.object({ id: z.string(), title: z.string(), diploma: z.string() }),
    opensAt: z.iso.datetime({ offset: true }),
    closesAt: z.iso.datetime({ offset: true }),
    isOpen: z.boolean(),
    officeContact: officeContactSchema,
    reminderOffsetsDays: z.array(z.number()),
    capacity: z.number().int().optional(),
    paymentTerms: z.string().describe('Sent to the candidate when the dossier is validated.'),
    retentionMonths: retentionMonthsSchema,
    requiredDocuments: z.array(situationDocumentsSchema).describe('For each situation, the documents a candidate uploads.'),
    downloadableForms: z
      .array(z.object({ id: z.string(), title: z.string(), filename: z.string(), url: z.string() }))
      .describe('« Documents téléchargeables », e.g. the « Justificatif de statut salarié » to fill in and upload back.'),
  })
  .meta({ id: 'Selection' });
export type SelectionSummary = z.infer<typeof selectionSchema>;

const dateTime = z.iso.datetime({ offset: true });

/** What the office sets on a selection (the closing date moves only through its own route, which the dossiers follow). */
export const selectionFieldsSchema = z.object({
  title: z.string().trim().min(1, 'intitulé obligatoire').max(200),
  opensAt: dateTime,
  capacity: z.number().int().min(1).max(10_000).optional(),
  documentRequirements: documentRequirementsSchema.optional().describe('Documents per situation for this selection; other situations keep the default.'),
  reminderOffsetsDays: z.array(z.number().positive().max(60)).max(5).optional(),
  paymentTerms: z.string().trim().min(1).max(4000).optional(),
  retentionMonths: retentionMonthsSchema.partial().optional().describe('Months its dossiers are kept after it closes, per outcome; outcomes left out keep the defaults.'),
  officeContact: officeContactSchema,
});
export const newSelectionSchema = selectionFieldsSchema.extend({ id: idSchema.describe('e.g. educateur-specialise-2028'), trainingId: idSchema, closesAt: dateTime });
export const selectionChangesSchema = selectionFieldsSchema.partial();
export type NewSelection = z.infer<typeof newSelectionSchema>;
export type SelectionChanges = z.infer<typeof selectionChangesSchema>;

export const selectionParams = z.object({ selectionId: idSchema });
