import { readableDossierOf } from '../scope-check.js';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { Readable } from 'node:stream';
import { ZipFile } from 'yazl';
import { z } from 'zod';
import { createFileStore } from '../../db/files.js';
import { documentRequirementsSchema } from '../../domain/dossier.js';
import { authOf, requireStaff } from '../auth.js';
import { dossierIdSchema, dossierStatusSchema, errorSchema, idSchema, sessionSecurity } from '../schemas.js';
import { updateIdOf } from '../idempotency.js';
import { dossierServiceDeps } from '../services/dossiers.js';
import { decide, exportSelectionCsv, extendCandidateDeadline, listSelectionDossiers, reviewDocument, zipEntries } from '../services/office.js';
import { createSelection, putSelectionForm, updateSelection } from '../services/selection-admin.js';
import { extendSelectionClosingDate, listSelectionsForStaff } from '../services/selections.js';
import { dossierSchema } from './dossiers.js';
import { selectionSchema } from './selections.js';

const staffErrors = { 400: errorSchema, 401: errorSchema, 403: errorSchema, 404: errorSchema, 409: errorSchema, 503: errorSchema };

export const staffRoutes: FastifyPluginAsyncZod = async (app) => {
  const dossierDeps = () => dossierServiceDeps(app);

  const selectionFields = {
    title: z.string().trim().min(1, 'intitulé obligatoire').max(200),
    opensAt: z.iso.datetime({ offset: true }).transform((value) => new Date(value)),
    capacity: z.number().int().min(1).max(10_000).optional(),
    documentRequirements: documentRequirementsSchema.optional().describe('Documents per situation for this selection; other situations keep the default.'),
    reminderOffsetsDays: z.array(z.number().positive().max(60)).max(5).optional(),
    paymentTerms: z.string().trim().min(1).max(4000).optional(),
    officeContact: z.object({ name: z.string().trim().min(1).max(200), email: z.email(), phone: z.string().trim().max(30).optional() }),
  };

  app.post(
    '/staff/selections',
    {
      onRequest: requireStaff,
      schema: {
        tags: ['staff'],
        summary: 'Créer une sélection',
        security: sessionSecurity,
        body: z.object({
          id: idSchema.describe('e.g. educateur-specialise-2028'),
          trainingId: idSchema,
          ...selectionFields,
          closesAt: z.iso.datetime({ offset: true }).transform((value) => new Date(value)),
        }),
        response: { 201: selectionSchema, ...staffErrors },
      },
    },
    async (request, reply) => reply.code(201).send(await createSelection(app.deps.database.models, authOf(request), request.body)),
  );

  app.patch(
    '/staff/selections/:selectionId',
    {
      onRequest: requireStaff,
      schema: {
        tags: ['staff'],
        summary: 'Modifier une sélection',
        description: 'The closing date moves through `closing-date` (open dossiers follow it). New documents per situation apply to dossiers opened afterwards.',
        security: sessionSecurity,
        params: z.object({ selectionId: idSchema }),
        body: z.object(selectionFields).partial(),
        response: { 200: selectionSchema, ...staffErrors },
      },
    },
    async (request) => updateSelection(app.deps.database.models, authOf(request), request.params.selectionId, request.body),
  );

  app.put(
    '/staff/selections/:selectionId/forms/:formId',
    {
      onRequest: requireStaff,
      schema: {
        tags: ['staff'],
        summary: 'Ajouter ou remplacer un document téléchargeable (PDF)',
        description: 'multipart/form-data, field `file`; `title` in the query. A replaced file is deleted.',
        security: sessionSecurity,
        consumes: ['multipart/form-data'],
        params: z.object({ selectionId: idSchema, formId: idSchema }),
        querystring: z.object({ title: z.string().trim().min(1).max(200) }),
        response: { 200: selectionSchema, 413: errorSchema, 415: errorSchema, ...staffErrors },
      },
    },
    async (request) =>
      putSelectionForm(app.deps.database.models, createFileStore(app.deps.database.connection), request, authOf(request), {
        selectionId: request.params.selectionId,
        formId: request.params.formId,
        title: request.query.title,
        maxBytes: app.deps.config.UPLOAD_MAX_MB * 1024 * 1024,
      }),
  );

  app.get(
    '/staff/selections/:selectionId/dossiers',
    {
      onRequest: requireStaff,
      schema: {
        tags: ['staff'],
        summary: "Les dossiers d'une sélection : filtres, recherche, tri, pages, et le nombre par statut",
        description: '`counts` covers the whole selection (every status, dossiers still being filled included), whatever the filters.',
        security: sessionSecurity,
        params: z.object({ selectionId: idSchema }),
        querystring: z.object({
          status: dossierStatusSchema.optional(),
          complete: z.enum(['true', 'false']).transform((v) => v === 'true').optional().describe('Only dossiers with nothing missing (true) or with something missing (false).'),
          q: z.string().trim().min(1).max(100).optional().describe('Name, identifier or e-mail (part of).'),
          sort: z.enum(['lastName', 'submittedAt', 'updatedAt', 'status']).default('lastName'),
          order: z.enum(['asc', 'desc']).default('asc'),
          page: z.coerce.number().int().min(1).max(100_000).default(1),
          pageSize: z.coerce.number().int().min(1).max(200).default(50),
        }),
        response: {
          200: z.object({
            items: z.array(dossierSchema),
            total: z.number().int(),
            page: z.number().int(),
            pageSize: z.number().int(),
            counts: z.record(z.string(), z.number().int()),
          }),
          ...staffErrors,
        },
      },
    },
    async (request) => listSelectionDossiers(app.deps.database.models, request.params.selectionId, authOf(request), request.query),
  );

  app.get(
    '/staff/selections/:selectionId/dossiers.csv',
    {
      onRequest: requireStaff,
      schema: {
        tags: ['staff'],
        summary: "Export CSV des dossiers d'une sélection (Excel, UTF-8, « ; »)",
        security: sessionSecurity,
        params: z.object({ selectionId: idSchema }),
        response: { 200: z.string().describe('text/csv; UTF-8 with BOM, ";" separated, one row per dossier'), ...staffErrors },
      },
    },
    async (request, reply) => {
      const { filename, csv } = await exportSelectionCsv(app.deps.database.models, request.params.selectionId, authOf(request));
      return reply.type('text/csv; charset=utf-8').header('content-disposition', `attachment; filename="${filename}"`).send(csv);
    },
  );

  app.post(
    '/staff/dossiers/:dossierId/decision',
    {
      onRequest: requireStaff,
      schema: {
        tags: ['staff'],
        summary: 'Décision sur un dossier complet : valider, demander des modifications, refuser',
        description:
          'A Temporal Update on the dossier, recorded with who and when, e-mailed to the candidate in French: validate (with the selection’s payment terms), ' +
          'requestChanges (comment, items to change, optional response date: the candidate edits and declares complete again until then), reject (reason). ' +
          'Only a SUBMITTED dossier can be decided: 409 ILLEGAL_TRANSITION otherwise.',
        security: sessionSecurity,
        params: z.object({ dossierId: dossierIdSchema }),
        body: z.discriminatedUnion('decision', [
          z.object({ decision: z.literal('validate') }),
          z.object({
            decision: z.literal('requestChanges'),
            comment: z.string().trim().min(1, 'commentaire obligatoire').max(4000),
            items: z.array(z.string().trim().min(1).max(300)).max(30).default([]),
            respondBy: z.iso.datetime({ offset: true }).optional(),
          }),
          z.object({ decision: z.literal('reject'), reason: z.string().trim().min(1, 'motif obligatoire').max(4000) }),
        ]),
        response: { 200: dossierSchema, ...staffErrors },
      },
    },
    async (request) => decide(dossierDeps(), await readableDossierOf(request, request.params.dossierId), authOf(request), request.body, updateIdOf(request)),
  );

  app.get(
    '/staff/dossiers/:dossierId/files.zip',
    {
      onRequest: requireStaff,
      schema: {
        tags: ['staff'],
        summary: "Toutes les pièces d'un dossier, en une archive ZIP",
        description: 'Streamed: files go from GridFS into the archive one after the other, never held whole in memory.',
        security: sessionSecurity,
        params: z.object({ dossierId: dossierIdSchema }),
        response: { 200: z.unknown().describe('application/zip'), ...staffErrors },
      },
    },
    async (request, reply) => {
      const state = await readableDossierOf(request, request.params.dossierId);
      const files = createFileStore(app.deps.database.connection);
      const zip = new ZipFile();
      const output = zip.outputStream as Readable;
      for (const entry of zipEntries(state)) {
        const source = files.openDownload(entry.fileId);
        // A file missing from GridFS ends the download with an error instead of crashing the process.
        source.on('error', (error) => output.destroy(error));
        zip.addReadStream(source, entry.name, { compress: false });
      }
      zip.on('error', (error: Error) => output.destroy(error));
      zip.end();
      const name = `dossier-${state.candidate.lastName}-${state.selectionId}.zip`.replace(/[^\w.-]+/g, '_');
      return reply.type('application/zip').header('content-disposition', `attachment; filename="${name}"`).send(output);
    },
  );

  app.post(
    '/staff/dossiers/:dossierId/reviews',
    {
      onRequest: requireStaff,
      schema: {
        tags: ['staff'],
        summary: "Examen d'une pièce : acceptée, ou refusée avec un commentaire",
        description: 'On a SUBMITTED dossier. Refused files are added to the next request for changes.',
        security: sessionSecurity,
        params: z.object({ dossierId: dossierIdSchema }),
        body: z.object({
          fileId: z.string().regex(/^[a-f0-9]{24}$/, 'identifiant de fichier invalide'),
          verdict: z.enum(['accepted', 'refused']),
          comment: z.string().trim().max(1000).optional(),
        }),
        response: { 200: dossierSchema, ...staffErrors },
      },
    },
    async (request) =>
      reviewDocument(dossierDeps(), await readableDossierOf(request, request.params.dossierId), authOf(request), request.body, updateIdOf(request)),
  );

  app.post(
    '/staff/dossiers/:dossierId/deadline',
    {
      onRequest: requireStaff,
      schema: {
        tags: ['staff'],
        summary: "Repousser la date limite d'un seul candidat",
        security: sessionSecurity,
        params: z.object({ dossierId: dossierIdSchema }),
        body: z.object({ deadline: z.iso.datetime({ offset: true, message: 'date-heure ISO 8601 attendue' }) }),
        response: { 200: dossierSchema, ...staffErrors },
      },
    },
    async (request) =>
      extendCandidateDeadline(dossierDeps(), await readableDossierOf(request, request.params.dossierId), authOf(request), new Date(request.body.deadline).toISOString(), updateIdOf(request)),
  );

  app.post(
    '/staff/selections/:selectionId/closing-date',
    {
      onRequest: requireStaff,
      schema: {
        tags: ['staff'],
        summary: 'Repousser la date de clôture des inscriptions',
        description:
          'Moves the closing date later; every open dossier of the selection follows at once (its reminders re-armed for the new date). ' +
          'An office acts only on its trainings’ selections (404 otherwise).',
        security: sessionSecurity,
        params: z.object({ selectionId: idSchema }),
        body: z.object({ closesAt: z.iso.datetime({ offset: true, message: 'date-heure ISO 8601 attendue, par ex. 2027-03-01T12:00:00+01:00' }) }),
        response: {
          200: z.object({
            closesAt: z.string(),
            dossiersUpdated: z.number().int(),
            dossiersFailed: z.number().int().describe('Not reached now (send the same date again); they check the selection before closing anyway.'),
          }), 400: errorSchema, 401: errorSchema, 403: errorSchema, 404: errorSchema, 409: errorSchema },
      },
    },
    async (request) => {
      const { account } = authOf(request);
      const closesAt = new Date(request.body.closesAt);
      const outcome = await extendSelectionClosingDate(
        {
          models: app.deps.database.models,
          temporal: app.deps.temporal,
          temporalTimeoutMs: app.deps.config.WORKFLOW_UPDATE_TIMEOUT_MS,
        },
        request.params.selectionId,
        closesAt,
        account.role === 'admin' ? 'all' : (account.trainingIds ?? []),
      );
      return { closesAt: closesAt.toISOString(), ...outcome };
    },
  );

  app.get(
    '/staff/selections',
    {
      onRequest: requireStaff,
      schema: {
        tags: ['staff'],
        summary: 'Les sélections du service (ouvertes, à venir et closes)',
        description: 'An office account sees its trainings’ selections; an administrator sees all.',
        security: sessionSecurity,
        response: { 200: z.object({ selections: z.array(selectionSchema) }), 401: errorSchema, 403: errorSchema },
      },
    },
    async (request) => {
      const { account } = authOf(request);
      const scope = account.role === 'admin' ? 'all' : (account.trainingIds ?? []);
      return { selections: await listSelectionsForStaff(app.deps.database.models, scope, new Date()) };
    },
  );
};
