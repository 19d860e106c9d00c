import type { UpdateDefinition } from '@temporalio/common';
import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod, ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { createFileStore } from '../../db/files.js';
import { DOCUMENT_KINDS, entryIdSchema, filesOf } from '../../domain/dossier.js';
import type { DossierAction } from '../../domain/dossier-lifecycle.js';
import {
  attachFileUpdate,
  declareCompleteUpdate,
  declareIncompleteUpdate,
  type DossierReceipt,
  type FileTarget,
  removeDiplomaUpdate,
  removeExperienceUpdate,
  saveCivilStatusUpdate,
  saveDiplomaUpdate,
  saveExperienceUpdate,
  saveSituationUpdate,
  withdrawUpdate,
} from '../../workflows/dossier/contract.js';
import { scopedDossierIdOf, scopedDossierOf, scopedSelectionOf } from '../access.js';
import { authOf, requireCandidate, requireDossierReader } from '../auth.js';
import { sendDownload } from '../downloads.js';
import { AppError } from '../errors.js';
import { idempotencyKeyOf, updateIdOf } from '../idempotency.js';
import { API_PREFIX } from '../prefix.js';
import { errorResponses, fileIdSchema, fileResponse, idSchema, sessionSecurity } from '../schemas/common.js';
import { civilStatusBody, declarationBody, diplomaBody, dossierParams, dossierSchema, experienceBody, situationBody } from '../schemas/dossier.js';
import { viewDossier } from '../services/dossier-view.js';
import { applyCandidateStep, assertEditable, attachUpload, type DossierUpdate, dossierServiceDeps, dossierUpdate, listCandidateDossiers, openDossier } from '../services/dossiers.js';
import { recordStaffReads } from '../staff-reads.js';
import { receiveUpload } from '../uploads.js';

const entryParams = dossierParams.extend({ entryId: entryIdSchema });
const stepErrors = errorResponses(400, 401, 403, 404, 409, 503);
const uploadErrors = errorResponses(400, 401, 403, 404, 409, 413, 415, 503);
/**
 * Marks a route for the OpenAPI document: it takes an Idempotency-Key, and (for uploads) one file. A step needs
 * the dossier's id only (api/access.ts); an upload reads the dossier, to refuse a locked one before its bytes.
 */
const step = { openapi: { idempotent: true }, dossierScope: 'id' } as const;
const upload = { openapi: { idempotent: true, upload: true } } as const;

export const dossierRoutes: FastifyPluginAsyncZod = async (app) => {
  const { database, config } = app.deps;
  const files = createFileStore(database.connection);
  const deps = dossierServiceDeps(app);

  /** A candidate's step on the dossier of the request's path. */
  const candidateStep = async (request: FastifyRequest, action: DossierAction, update: DossierUpdate) =>
    applyCandidateStep(deps, scopedDossierIdOf(request), action, update, await updateIdOf(request));

  /** Streams the file in, then hands it to the workflow (attachUpload: retries and refusals). */
  const uploadStep = async (request: FastifyRequest, target: FileTarget) => {
    const dossier = scopedDossierOf(request);
    const key = idempotencyKeyOf(request); // a bad key is refused before the file is streamed in
    assertEditable(dossier);
    const received = await receiveUpload(request, files, {
      maxBytes: config.UPLOAD_MAX_MB * 1024 * 1024,
      metadata: { dossierId: dossier.dossierId, candidateId: dossier.candidate.id, target },
    });
    return attachUpload(deps, files, dossier, target, received, key);
  };

  app.post(
    '/selections/:selectionId/dossiers',
    {
      onRequest: requireCandidate,
      schema: {
        tags: ['dossiers'],
        summary: "« + S'inscrire » : ouvre le dossier du candidat pour cette sélection",
        description:
          'Starts the dossier workflow for the logged-in candidate and answers once it is stored (201), or returns the dossier ' +
          'already open for this candidate and selection (200): one dossier per candidate and selection.',
        security: sessionSecurity,
        params: z.object({ selectionId: idSchema }),
        response: { 200: dossierSchema.describe('The dossier already open.'), 201: dossierSchema.describe('The dossier, just opened.'), ...errorResponses(400, 401, 403, 404, 409, 503) },
      },
    },
    async (request, reply) => {
      const { account } = authOf(request);
      const candidate = { id: account._id, email: account.email, firstName: account.firstName, lastName: account.lastName };
      const { dossier, created } = await openDossier(deps, scopedSelectionOf(request), candidate);
      return reply.code(created ? 201 : 200).header('location', `${API_PREFIX}/dossiers/${encodeURIComponent(dossier.dossierId)}`).send(dossier);
    },
  );

  app.get(
    '/me/dossiers',
    {
      onRequest: requireCandidate,
      schema: {
        tags: ['dossiers'],
        summary: '« Mes inscriptions » : mes dossiers, leur état et ce qu’il reste à faire',
        security: sessionSecurity,
        response: { 200: z.object({ dossiers: z.array(dossierSchema) }).describe('Latest first.'), ...errorResponses(401, 403) },
      },
    },
    async (request) => ({ dossiers: await listCandidateDossiers(deps, authOf(request).account._id) }),
  );

  app.get(
    '/dossiers/:dossierId',
    {
      onRequest: requireDossierReader,
      schema: {
        tags: ['dossiers'],
        summary: 'Un dossier, entier',
        description: "A candidate reads only their own dossiers (without the office's fields), an office its trainings' dossiers; anything else is a 404.",
        security: sessionSecurity,
        params: dossierParams,
        response: { 200: dossierSchema, ...errorResponses(400, 401, 404) },
      },
    },
    async (request) => {
      const dossier = scopedDossierOf(request);
      await recordStaffReads(database.models, request.auth, [dossier.dossierId], 'dossier');
      return viewDossier(dossier, authOf(request).account.role === 'candidate' ? 'candidate' : 'staff');
    },
  );

  app.put(
    '/dossiers/:dossierId/civil-status',
    {
      onRequest: requireCandidate,
      config: step,
      schema: { tags: ['dossiers'], summary: '1) État civil — « Valider ma saisie »', security: sessionSecurity, params: dossierParams, body: civilStatusBody, response: { 200: dossierSchema, ...stepErrors } },
    },
    async (request) => candidateStep(request, 'edit', dossierUpdate(saveCivilStatusUpdate, request.body)),
  );

  app.put(
    '/dossiers/:dossierId/situation',
    {
      onRequest: requireCandidate,
      config: step,
      schema: {
        tags: ['dossiers'],
        summary: '2) Situation actuelle',
        description: `A salaried candidate (\`salarie\`) must also upload the employer form (\`documents/employerForm\`). The list is in \`GET ${API_PREFIX}/situations\`.`,
        security: sessionSecurity,
        params: dossierParams,
        body: situationBody,
        response: { 200: dossierSchema, ...stepErrors },
      },
    },
    async (request) => candidateStep(request, 'edit', dossierUpdate(saveSituationUpdate, request.body)),
  );

  app.put(
    '/dossiers/:dossierId/documents/:kind',
    {
      onRequest: requireCandidate,
      config: upload,
      schema: {
        tags: ['dossiers'],
        summary: '3) Pièces obligatoires — « Ajouter… » en face de la pièce (ou la remplacer)',
        description: 'Kinds: cv, identity, motivation, employerForm (salaried only). A file it replaces is deleted.',
        security: sessionSecurity,
        consumes: ['multipart/form-data'],
        params: dossierParams.extend({ kind: z.enum(DOCUMENT_KINDS) }),
        response: { 200: dossierSchema, ...uploadErrors },
      },
    },
    async (request) => uploadStep(request, { kind: 'document', document: request.params.kind }),
  );

  // Diplomas and experiences share one shape: add, edit, remove, and one file each.
  const entryRoutes = <Fields>(entry: {
    path: 'diplomas' | 'experiences';
    fileSegment: 'document' | 'proof';
    summary: string;
    body: z.ZodType<Fields>;
    save: UpdateDefinition<DossierReceipt, [{ entryId?: string; fields: Fields }]>;
    remove: UpdateDefinition<DossierReceipt, [{ entryId: string }]>;
    target: (entryId: string) => FileTarget;
  }) => {
    const routes = app.withTypeProvider<ZodTypeProvider>();
    const base = `/dossiers/:dossierId/${entry.path}`;
    const common = { tags: ['dossiers'], security: sessionSecurity };
    const save = (entryId: string | undefined, fields: Fields) => dossierUpdate(entry.save, { ...(entryId ? { entryId } : {}), fields });
    routes.post(
      base,
      { onRequest: requireCandidate, config: step, schema: { ...common, summary: `${entry.summary} — « + Ajouter »`, params: dossierParams, body: entry.body, response: { 200: dossierSchema, ...stepErrors } } },
      async (request) => candidateStep(request, 'edit', save(undefined, request.body as Fields)),
    );
    routes.put(
      `${base}/:entryId`,
      { onRequest: requireCandidate, config: step, schema: { ...common, summary: `${entry.summary} — modifier une entrée`, params: entryParams, body: entry.body, response: { 200: dossierSchema, ...stepErrors } } },
      async (request) => candidateStep(request, 'edit', save(request.params.entryId, request.body as Fields)),
    );
    routes.delete(
      `${base}/:entryId`,
      { onRequest: requireCandidate, config: step, schema: { ...common, summary: `${entry.summary} — supprimer une entrée (et son fichier)`, params: entryParams, response: { 200: dossierSchema, ...stepErrors } } },
      async (request) => candidateStep(request, 'edit', dossierUpdate(entry.remove, { entryId: request.params.entryId })),
    );
    routes.put(
      `${base}/:entryId/${entry.fileSegment}`,
      {
        onRequest: requireCandidate,
        config: upload,
        schema: { ...common, summary: `${entry.summary} — téléverser le justificatif`, consumes: ['multipart/form-data'], params: entryParams, response: { 200: dossierSchema, ...uploadErrors } },
      },
      async (request) => uploadStep(request, entry.target(request.params.entryId)),
    );
  };
  entryRoutes({
    path: 'diplomas', fileSegment: 'document', summary: '4) Diplômes', body: diplomaBody, save: saveDiplomaUpdate, remove: removeDiplomaUpdate,
    target: (entryId) => ({ kind: 'diploma', entryId }),
  });
  entryRoutes({
    path: 'experiences', fileSegment: 'proof', summary: '5) Expériences professionnelles', body: experienceBody, save: saveExperienceUpdate, remove: removeExperienceUpdate,
    target: (entryId) => ({ kind: 'experience', entryId }),
  });

  app.post(
    '/dossiers/:dossierId/declaration',
    {
      onRequest: requireCandidate,
      config: step,
      schema: {
        tags: ['dossiers'],
        summary: '« Dossier complet à travailler par l’ITSRA » ou « Dossier incomplet : je poursuivrai plus tard »',
        description:
          '`complete: true` locks the dossier (SUBMITTED) and e-mails the candidate; refused (409 DOSSIER_INCOMPLETE) with ' +
          '`details` listing what is missing (`code` MISSING_ITEM, `message` in French, `step` and `entryId` to link to), or 409 EMAIL_NOT_VERIFIED. ' +
          '`complete: false` keeps it open until the closing date and e-mails how to resume.',
        security: sessionSecurity,
        params: dossierParams,
        body: declarationBody,
        response: { 200: dossierSchema, ...stepErrors },
      },
    },
    async (request) => {
      const emailVerified = Boolean(authOf(request).account.emailVerifiedAt);
      return request.body.complete
        ? candidateStep(request, 'declareComplete', dossierUpdate(declareCompleteUpdate, { emailVerified }))
        : candidateStep(request, 'declareIncomplete', dossierUpdate(declareIncompleteUpdate));
    },
  );

  app.post(
    '/dossiers/:dossierId/withdrawal',
    {
      onRequest: requireCandidate,
      config: step,
      schema: { tags: ['dossiers'], summary: 'Retirer un dossier non encore déclaré complet', security: sessionSecurity, params: dossierParams, response: { 200: dossierSchema, ...stepErrors } },
    },
    async (request) => candidateStep(request, 'withdraw', dossierUpdate(withdrawUpdate)),
  );

  app.get(
    '/dossiers/:dossierId/files/:fileId',
    {
      onRequest: requireDossierReader,
      schema: {
        tags: ['dossiers'],
        summary: 'Télécharger un fichier du dossier (son candidat ou le service sélection)',
        security: sessionSecurity,
        params: dossierParams.extend({ fileId: fileIdSchema }),
        response: { 200: fileResponse('The file, as uploaded.', ['application/pdf', 'image/jpeg', 'image/png']), ...errorResponses(400, 401, 404) },
      },
    },
    async (request, reply) => {
      const file = filesOf(scopedDossierOf(request)).find((f) => f.fileId === request.params.fileId);
      if (!file) throw new AppError('FILE_NOT_FOUND', "Ce fichier n'existe pas dans ce dossier.");
      await recordStaffReads(database.models, request.auth, [scopedDossierOf(request).dossierId], 'file', file.fileId);
      return sendDownload(reply, file, files.openDownload(file.fileId));
    },
  );
};
