import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { createFileStore } from '../../db/files.js';
import { candidateDeadlineSchema, decisionSchema, documentReviewInputSchema, selectionClosingDateSchema } from '../../domain/decisions.js';
import { scopedDossierOf, scopedSelectionOf, staffScopeOf } from '../access.js';
import { authOf, requireStaff } from '../auth.js';
import { sendStream, zipStream } from '../downloads.js';
import { updateIdOf } from '../idempotency.js';
import { recordStaffReads, staffReadsOf } from '../staff-reads.js';
import { errorResponses, fileResponse, sessionSecurity } from '../schemas/common.js';
import { dossierParams, dossierSchema } from '../schemas/dossier.js';
import { newSelectionSchema, selectionChangesSchema, selectionParams, selectionSchema } from '../schemas/selection.js';
import { batchJobIdSchema, closingDateOutcomeSchema, closingDateProgressSchema, dossierListQuerySchema, dossierListSchema, staffReadSchema } from '../schemas/staff.js';
import { dossierServiceDeps } from '../services/dossiers.js';
import { decide, exportSelectionCsv, extendCandidateDeadline, listSelectionDossiers, reviewDocument, zipEntries } from '../services/office.js';
import { createSelection, putSelectionForm, updateSelection } from '../services/selection-admin.js';
import { API_PREFIX } from '../prefix.js';
import { closingDateProgress, extendSelectionClosingDate, listSelectionsForStaff } from '../services/selections.js';
import { AppError } from '../errors.js';

const staffErrors = errorResponses(400, 401, 403, 404, 409, 503);

const idempotent = { openapi: { idempotent: true } } as const;

export const staffRoutes: FastifyPluginAsyncZod = async (app) => {
  const deps = dossierServiceDeps(app);
  const { models } = app.deps.database;
  const files = createFileStore(app.deps.database.connection);

  app.get(
    '/staff/selections',
    {
      onRequest: requireStaff,
      schema: {
        tags: ['staff'],
        summary: 'Les sélections du service (ouvertes, à venir et closes)',
        description: 'An office account sees its trainings’ selections; an administrator sees all.',
        security: sessionSecurity,
        response: { 200: z.object({ selections: z.array(selectionSchema) }).describe('Latest closing first.'), ...errorResponses(401, 403) },
      },
    },
    async (request) => ({ selections: await listSelectionsForStaff(models, staffScopeOf(authOf(request).account), new Date()) }),
  );

  app.post(
    '/staff/selections',
    {
      onRequest: requireStaff,
      schema: {
        tags: ['staff'],
        summary: 'Créer une sélection',
        security: sessionSecurity,
        body: newSelectionSchema,
        response: { 201: selectionSchema.describe('The selection, created.'), ...errorResponses(400, 401, 403, 404, 409) },
      },
    },
    async (request, reply) => reply.code(201).send(await createSelection(models, authOf(request), request.body)),
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
        params: selectionParams,
        body: selectionChangesSchema,
        response: { 200: selectionSchema, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => updateSelection(models, scopedSelectionOf(request), request.body),
  );

  app.put(
    '/staff/selections/:selectionId/forms/:formId',
    {
      onRequest: requireStaff,
      config: { openapi: { upload: true } },
      schema: {
        tags: ['staff'],
        summary: 'Ajouter ou remplacer un document téléchargeable (PDF)',
        description: '`title` in the query. A replaced file is deleted.',
        security: sessionSecurity,
        consumes: ['multipart/form-data'],
        params: selectionParams.extend({ formId: selectionParams.shape.selectionId }),
        querystring: z.object({ title: z.string().trim().min(1, 'titre du document obligatoire').max(200) }),
        response: { 200: selectionSchema, ...errorResponses(400, 401, 403, 404, 413, 415) },
      },
    },
    async (request) =>
      putSelectionForm(models, files, request, scopedSelectionOf(request), {
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
        security: sessionSecurity,
        params: selectionParams,
        querystring: dossierListQuerySchema,
        response: { 200: dossierListSchema, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => listSelectionDossiers(models, scopedSelectionOf(request), request.query),
  );

  app.get(
    '/staff/selections/:selectionId/dossiers.csv',
    {
      onRequest: requireStaff,
      schema: {
        tags: ['staff'],
        summary: "Export CSV des dossiers d'une sélection (Excel, UTF-8, « ; »)",
        security: sessionSecurity,
        params: selectionParams,
        response: { 200: fileResponse('UTF-8 with BOM, ";" separated, one row per dossier, dates in Paris time.', ['text/csv']), ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      const { filename, csv, dossierIds } = await exportSelectionCsv(models, scopedSelectionOf(request));
      await recordStaffReads(models, request.auth, dossierIds, 'csvExport');
      return sendStream(reply, 'text/csv; charset=utf-8', filename, csv);
    },
  );

  app.post(
    '/staff/selections/:selectionId/closing-date',
    {
      onRequest: requireStaff,
      schema: {
        tags: ['staff'],
        summary: 'Repousser la date de clôture des inscriptions',
        description:
          'Moves the closing date later. Every dossier not ended yet (drafts, complete ones, those with changes requested) is told by a batch ' +
          'operation of the engine (durable, visible in the Temporal Web UI), its reminders re-armed for the new date; follow it with the ' +
          '`batchJobId`. A dossier the batch misses reads the selection\'s date before it closes. The same date again sends it once more.',
        security: sessionSecurity,
        params: selectionParams,
        body: selectionClosingDateSchema,
        response: {
          202: closingDateOutcomeSchema.describe('The date is stored; the dossiers are being told (Location: the batch\'s progress).'),
          ...errorResponses(400, 401, 403, 404, 503),
        },
      },
    },
    async (request, reply) => {
      const closesAt = new Date(request.body.closesAt);
      const selection = scopedSelectionOf(request);
      const outcome = await extendSelectionClosingDate({ models, temporal: app.deps.temporal, temporalTimeoutMs: deps.temporalTimeoutMs }, selection, closesAt);
      const progress = `${API_PREFIX}/staff/selections/${encodeURIComponent(selection._id)}/closing-date/batches/${encodeURIComponent(outcome.batchJobId)}`;
      return reply.code(202).header('location', progress).send({ closesAt: closesAt.toISOString(), ...outcome });
    },
  );

  app.get(
    '/staff/selections/:selectionId/closing-date/batches/:batchJobId',
    {
      onRequest: requireStaff,
      schema: {
        tags: ['staff'],
        summary: 'Où en est l’envoi de la nouvelle date de clôture aux dossiers',
        security: sessionSecurity,
        params: selectionParams.extend({ batchJobId: batchJobIdSchema }),
        response: { 200: closingDateProgressSchema, ...errorResponses(400, 401, 403, 404, 503) },
      },
    },
    async (request) => {
      const progress = await closingDateProgress({ temporal: app.deps.temporal, temporalTimeoutMs: deps.temporalTimeoutMs }, scopedSelectionOf(request), request.params.batchJobId);
      if (!progress) throw new AppError('NOT_FOUND', "Ce traitement n'existe pas pour cette sélection.");
      return progress;
    },
  );

  app.post(
    '/staff/dossiers/:dossierId/decision',
    {
      onRequest: requireStaff,
      config: idempotent,
      schema: {
        tags: ['staff'],
        summary: 'Décision sur un dossier complet : valider, demander des modifications, refuser',
        description:
          'A Temporal Update on the dossier, recorded with who and when, e-mailed to the candidate in French: validate (with the selection’s payment terms), ' +
          'requestChanges (comment, items to change, optional response date: the candidate edits and declares complete again until then), reject (reason). ' +
          'Only a SUBMITTED dossier can be decided: 409 ILLEGAL_TRANSITION otherwise.',
        security: sessionSecurity,
        params: dossierParams,
        body: decisionSchema,
        response: { 200: dossierSchema, ...staffErrors },
      },
    },
    async (request) => decide(deps, scopedDossierOf(request), scopedSelectionOf(request), authOf(request), request.body, await updateIdOf(request)),
  );

  app.post(
    '/staff/dossiers/:dossierId/reviews',
    {
      onRequest: requireStaff,
      config: idempotent,
      schema: {
        tags: ['staff'],
        summary: "Examen d'une pièce : acceptée, ou refusée avec un commentaire",
        description: 'On a SUBMITTED dossier. Refused files are added to the next request for changes.',
        security: sessionSecurity,
        params: dossierParams,
        body: documentReviewInputSchema,
        response: { 200: dossierSchema, ...staffErrors },
      },
    },
    async (request) => reviewDocument(deps, scopedDossierOf(request), authOf(request), request.body, await updateIdOf(request)),
  );

  app.post(
    '/staff/dossiers/:dossierId/deadline',
    {
      onRequest: requireStaff,
      config: idempotent,
      schema: {
        tags: ['staff'],
        summary: "Repousser la date limite d'un seul candidat",
        description: 'Only later than the dossier’s current deadline (400 DEADLINE_NOT_LATER otherwise).',
        security: sessionSecurity,
        params: dossierParams,
        body: candidateDeadlineSchema,
        response: { 200: dossierSchema, ...staffErrors },
      },
    },
    async (request) =>
      extendCandidateDeadline(deps, scopedDossierOf(request), authOf(request), new Date(request.body.deadline).toISOString(), await updateIdOf(request)),
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
        params: dossierParams,
        response: { 200: fileResponse('The archive: one folder per step.', ['application/zip']), ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      const dossier = scopedDossierOf(request);
      await recordStaffReads(models, request.auth, [dossier.dossierId], 'filesZip');
      const name = `dossier-${dossier.candidate.lastName}-${dossier.selectionId}.zip`.replace(/[^\w.-]+/g, '_');
      return sendStream(reply, 'application/zip', name, zipStream(files, zipEntries(dossier)));
    },
  );

  app.get(
    '/staff/dossiers/:dossierId/reads',
    {
      onRequest: requireStaff,
      schema: {
        tags: ['staff'],
        summary: 'Qui a consulté ce dossier : chaque lecture par le service sélection (dossier, pièces, exports)',
        security: sessionSecurity,
        params: dossierParams,
        response: { 200: z.object({ reads: z.array(staffReadSchema) }), ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => ({ reads: await staffReadsOf(models, scopedDossierOf(request).dossierId) }),
  );
};
