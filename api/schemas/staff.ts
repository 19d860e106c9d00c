/** The office's lists and answers. Decisions, reviews and deadlines are the domain's schemas (domain/decisions.ts). */
import { z } from 'zod';
import { STAFF_READ_KINDS } from '../staff-reads.js';
import { DOSSIER_STATUSES } from '../../domain/dossier-lifecycle.js';
import { dossierSchema, dossierStatusSchema } from './dossier.js';

export const dossierListQuerySchema = z.object({
  status: dossierStatusSchema.optional(),
  complete: z.enum(['true', 'false']).transform((value) => value === 'true').optional().describe('Only dossiers with nothing missing (true) or with something missing (false).'),
  q: z.string().trim().min(1).max(100).optional().describe('Name, identifier or e-mail (part of).'),
  sort: z.enum(['lastName', 'submittedAt', 'updatedAt', 'status']).default('lastName'),
  order: z.enum(['asc', 'desc']).default('asc'),
  page: z.coerce.number().int().min(1).max(100_000).default(1),
  pageSize: z.coerce.number().int().min(1).max(200).default(50),
});
export type DossierListQuery = z.infer<typeof dossierListQuerySchema>;

const statusCountsSchema = z.object(Object.fromEntries(DOSSIER_STATUSES.map((status) => [status, z.number().int()])) as Record<(typeof DOSSIER_STATUSES)[number], z.ZodNumber>);

export const dossierListSchema = z
  .object({
    items: z.array(dossierSchema),
    total: z.number().int().describe('Dossiers matching the filters, over all pages.'),
    page: z.number().int(),
    pageSize: z.number().int(),
    counts: statusCountsSchema.describe('Dossiers of the whole selection per status, whatever the filters (unfinished ones included).'),
    selectionTotal: z.number().int().describe('Dossiers of the whole selection.'),
  })
  .meta({ id: 'DossierList' });
export type DossierList = z.infer<typeof dossierListSchema>;

export const batchJobIdSchema = z.string().regex(/^closing-date:[A-Za-z0-9:_-]{1,128}:[0-9a-f-]{36}$/, 'identifiant de traitement invalide');

export const closingDateOutcomeSchema = z
  .object({
    closesAt: z.string(),
    dossiersToNotify: z.number().int().describe('Dossiers still running when the date moved: the batch tells each of them.'),
    batchJobId: batchJobIdSchema.describe('The engine\'s batch operation telling them; its progress: GET …/closing-date/batches/{batchJobId}.'),
  })
  .meta({ id: 'ClosingDateOutcome' });

export const closingDateProgressSchema = z
  .object({
    state: z.enum(['running', 'completed', 'failed']),
    total: z.number().int().describe('Dossiers the batch found running.'),
    done: z.number().int(),
    failed: z.number().int().describe('Not reached (ended meanwhile, say); each still reads the selection\'s date before closing.'),
  })
  .meta({ id: 'ClosingDateProgress' });

/** A read of a dossier by staff (api/staff-reads.ts). */
export const staffReadSchema = z
  .object({
    at: z.iso.datetime(),
    kind: z.enum(STAFF_READ_KINDS),
    label: z.string().describe('French, for people.'),
    by: z.object({ id: z.string(), name: z.string(), role: z.string() }),
    fileId: z.string().optional(),
  })
  .meta({ id: 'StaffRead' });
export type StaffRead = z.infer<typeof staffReadSchema>;
