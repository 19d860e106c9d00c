import { readableDossierOf } from '../scope-check.js';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { createFileStore } from '../../db/files.js';
import {
  civilStatusSchema,
  DOCUMENT_KINDS,
  diplomaFieldsSchema,
  diplomaShape,
  entryIdSchema,
  experienceFieldsSchema,
  experienceShape,
  fileRefSchema,
  filesOf,
  situationSchema,
} from '../../domain/dossier.js';
import {
  attachFileUpdate,
  declareCompleteUpdate,
  declareIncompleteUpdate,
  type FileTarget,
  removeDiplomaUpdate,
  removeExperienceUpdate,
  saveCivilStatusUpdate,
  saveDiplomaUpdate,
  saveExperienceUpdate,
  saveSituationUpdate,
  withdrawUpdate,
} from '../../workflows/dossier/contract.js';
import { authOf, requireAccount, requireCandidate } from '../auth.js';
import { AppError } from '../errors.js';
import { dossierIdSchema, dossierStatusSchema, errorSchema, idSchema, sessionSecurity } from '../schemas.js';
import {
  assertCandidateCanUpload,
  candidateView,
  dossierServiceDeps,
  dossierUpdate,
  type DossierUpdateCall,
  type DossierView,
  listCandidateDossiers,
  openDossier,
  runCandidateStep,
  viewDossier,
} from '../services/dossiers.js';
import { sendDownload } from '../downloads.js';
import { updateIdOf } from '../idempotency.js';
import { receiveUpload } from '../uploads.js';

// Answers describe what is stored; they do not re-run the input rules (a stored dossier always serializes).
const diplomaEntrySchema = diplomaShape.extend({ id: z.string(), document: fileRefSchema.optional() });
const experienceEntrySchema = experienceShape.extend({ id: z.string(), proof: fileRefSchema.optional() });
export const dossierSchema = z
  .object({
    dossierId: z.string(),
    selectionId: z.string(),
    trainingTitle: z.string(),
    candidate: z.object({ id: z.string(), email: z.string(), firstName: z.string(), lastName: z.string() }),
    status: dossierStatusSchema,
    closesAt: z.string(),
    openedAt: z.string(),
    editable: z.boolean().describe('Whether the candidate can still change it (a draft before the closing date).'),
    reminderOffsetsDays: z.array(z.number()),
    remindersSent: z.array(z.string()),
    civilStatus: civilStatusSchema.optional(),
    situation: situationSchema.optional(),
    documents: z.partialRecord(z.enum(DOCUMENT_KINDS), fileRefSchema),
    diplomas: z.array(diplomaEntrySchema),
    experiences: z.array(experienceEntrySchema),
    deadline: z.string().optional().describe("This candidate's own deadline, when the office set one."),
    declaredIncompleteAt: z.string().optional(),
    submittedAt: z.string().optional(),
    endedAt: z.string().optional(),
    changesRequested: z.object({ comment: z.string(), items: z.array(z.string()), at: z.string() }).optional(),
    decision: z
      .object({ outcome: z.enum(['VALIDATED', 'REJECTED']), at: z.string(), by: z.object({ type: z.string(), id: z.string().optional(), name: z.string().optional() }), reason: z.string().optional() })
      .optional(),
    reviews: z
      .record(z.string(), z.object({ verdict: z.enum(['accepted', 'refused']), comment: z.string().optional(), by: z.object({ type: z.string(), id: z.string().optional(), name: z.string().optional() }), at: z.string() }))
      .optional()
      .describe("The office's review of each file, by file id."),
    history: z
      .array(z.object({ at: z.string(), actor: z.object({ type: z.string(), id: z.string().optional(), name: z.string().optional() }), action: z.string(), detail: z.string().optional() }))
      .describe('The audit trail: every step, declaration, decision, deadline change and e-mail, with actor and time.'),
    revision: z.number().int(),
    progress: z.object({
      stepsDone: z.array(z.string()),
      stepsToDo: z.array(z.string()),
      missing: z.array(z.object({ code: z.string(), label: z.string() })),
    }),
  })
  .meta({ id: 'Dossier' });

const dossierParams = z.object({ dossierId: dossierIdSchema });
const entryParams = z.object({ dossierId: dossierIdSchema, entryId: entryIdSchema });
const stepErrors = { 400: errorSchema, 401: errorSchema, 403: errorSchema, 404: errorSchema, 409: errorSchema, 503: errorSchema };
const uploadErrors = { ...stepErrors, 413: errorSchema, 415: errorSchema };
const uploadDescription =
  'multipart/form-data with one file in the field `file`: PDF (advised), JPEG or PNG, judged by its bytes; size limited (413 beyond). ' +
  'A file it replaces is deleted.';

export const dossierRoutes: FastifyPluginAsyncZod = async (app) => {
  const { database, config } = app.deps;
  const files = createFileStore(database.connection);
  const deps = dossierServiceDeps(app);
  const candidateOf = (request: FastifyRequest) => authOf(request).account._id;
  const step: StepRunner = async (request, dossierId, call) => runCandidateStep(deps, await readableDossierOf(request, dossierId), call, updateIdOf(request));

  /** Streams the file in, then hands it to the workflow; a refused file is deleted again. */
  const upload: UploadRunner = async (request, dossierId, target) => {
    const candidateId = candidateOf(request);
    const updateId = updateIdOf(request); // a bad key is refused before the file is streamed in
    const state = await readableDossierOf(request, dossierId);
    assertCandidateCanUpload(state);
    const file = await receiveUpload(request, files, {
      maxBytes: config.UPLOAD_MAX_MB * 1024 * 1024,
      metadata: { dossierId, candidateId, target },
    });
    try {
      // A retried request (same Idempotency-Key) gets the first attempt's outcome, and its own copy is not used.
      // That copy is left to the purge, which deletes only what the stored dossier does not refer to: deciding
      // here from the answer alone is a bet on which attempt Temporal applied.
      return await runCandidateStep(deps, state, dossierUpdate(attachFileUpdate, { target, file }), updateId);
    } catch (error) {
      // Only a clear refusal proves the dossier will not use the file. After a timeout the Update may
      // still land, so the file stays; the purge Schedule removes it later if no dossier refers to it.
      if (error instanceof AppError && error.statusCode < 500) {
        request.log.info({ fileId: file.fileId, dossierId, code: error.code }, 'upload refused, file deleted');
        await files.delete(file.fileId);
      }
      throw error;
    }
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
        response: { 200: dossierSchema, 201: dossierSchema, ...stepErrors },
      },
    },
    async (request, reply) => {
      const { account } = authOf(request);
      const candidate = { id: account._id, email: account.email, firstName: account.firstName, lastName: account.lastName };
      const { dossier, created } = await openDossier(deps, request.params.selectionId, candidate);
      return reply.code(created ? 201 : 200).header('location', `/dossiers/${encodeURIComponent(dossier.dossierId)}`).send(dossier);
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
        response: { 200: z.object({ dossiers: z.array(dossierSchema) }), 401: errorSchema, 403: errorSchema },
      },
    },
    async (request) => ({ dossiers: await listCandidateDossiers(deps, candidateOf(request)) }),
  );

  app.get(
    '/dossiers/:dossierId',
    {
      onRequest: requireAccount,
      schema: {
        tags: ['dossiers'],
        summary: 'Un dossier, entier',
        description: "A candidate reads only their own dossiers, an office its trainings' dossiers; anything else is a 404.",
        security: sessionSecurity,
        params: dossierParams,
        response: { 200: dossierSchema, 400: errorSchema, 401: errorSchema, 404: errorSchema },
      },
    },
    async (request) => {
      const auth = authOf(request);
      const view = viewDossier(await readableDossierOf(request, request.params.dossierId));
      return auth.account.role === 'candidate' ? candidateView(view) : view;
    },
  );

  app.put(
    '/dossiers/:dossierId/civil-status',
    {
      onRequest: requireCandidate,
      schema: { tags: ['dossiers'], summary: '1) État civil — « Valider ma saisie »', security: sessionSecurity, params: dossierParams, body: civilStatusSchema, response: { 200: dossierSchema, ...stepErrors } },
    },
    async (request) => step(request, request.params.dossierId, dossierUpdate(saveCivilStatusUpdate, request.body)),
  );

  app.put(
    '/dossiers/:dossierId/situation',
    {
      onRequest: requireCandidate,
      schema: {
        tags: ['dossiers'],
        summary: '2) Situation actuelle',
        description: 'A salaried candidate (`salarie`) must also upload the employer form (`documents/employerForm`). The list is in `GET /situations`.',
        security: sessionSecurity,
        params: dossierParams,
        body: situationSchema,
        response: { 200: dossierSchema, ...stepErrors },
      },
    },
    async (request) => step(request, request.params.dossierId, dossierUpdate(saveSituationUpdate, request.body)),
  );

  app.put(
    '/dossiers/:dossierId/documents/:kind',
    {
      onRequest: requireCandidate,
      schema: {
        tags: ['dossiers'],
        summary: '3) Pièces obligatoires — « Ajouter… » en face de la pièce (ou la remplacer)',
        description: `Kinds: cv, identity, motivation, employerForm (salaried only). ${uploadDescription}`,
        security: sessionSecurity,
        consumes: ['multipart/form-data'],
        params: z.object({ dossierId: dossierIdSchema, kind: z.enum(DOCUMENT_KINDS) }),
        response: { 200: dossierSchema, ...uploadErrors },
      },
    },
    async (request) => upload(request, request.params.dossierId, { kind: 'document', document: request.params.kind }),
  );

  registerEntryRoutes(app, {
    path: 'diplomas',
    fileSegment: 'document',
    summary: '4) Diplômes',
    fieldsSchema: diplomaFieldsSchema,
    save: (entryId, fields) => dossierUpdate(saveDiplomaUpdate, { ...(entryId ? { entryId } : {}), fields }),
    remove: (entryId) => dossierUpdate(removeDiplomaUpdate, { entryId }),
    target: (entryId) => ({ kind: 'diploma', entryId }),
    step,
    upload,
  });
  registerEntryRoutes(app, {
    path: 'experiences',
    fileSegment: 'proof',
    summary: '5) Expériences professionnelles',
    fieldsSchema: experienceFieldsSchema,
    save: (entryId, fields) => dossierUpdate(saveExperienceUpdate, { ...(entryId ? { entryId } : {}), fields }),
    remove: (entryId) => dossierUpdate(removeExperienceUpdate, { entryId }),
    target: (entryId) => ({ kind: 'experience', entryId }),
    step,
    upload,
  });

  app.post(
    '/dossiers/:dossierId/declaration',
    {
      onRequest: requireCandidate,
      schema: {
        tags: ['dossiers'],
        summary: '« Dossier complet à travailler par l’ITSRA » ou « Dossier incomplet : je poursuivrai plus tard »',
        description:
          '`complete: true` locks the dossier (SUBMITTED) and e-mails the candidate; refused (409 DOSSIER_INCOMPLETE) with ' +
          '`details` listing what is missing (`code` for programs, `label` in French), or 409 EMAIL_NOT_VERIFIED. ' +
          '`complete: false` keeps it open until the closing date and e-mails how to resume.',
        security: sessionSecurity,
        params: dossierParams,
        body: z.object({ complete: z.boolean() }),
        response: { 200: dossierSchema, ...stepErrors },
      },
    },
    async (request) => {
      const emailVerified = Boolean(authOf(request).account.emailVerifiedAt);
      return step(
        request,
        request.params.dossierId,
        request.body.complete ? dossierUpdate(declareCompleteUpdate, { emailVerified }) : dossierUpdate(declareIncompleteUpdate),
      );
    },
  );

  app.post(
    '/dossiers/:dossierId/withdrawal',
    {
      onRequest: requireCandidate,
      schema: { tags: ['dossiers'], summary: 'Retirer un dossier non encore déclaré complet', security: sessionSecurity, params: dossierParams, response: { 200: dossierSchema, ...stepErrors } },
    },
    async (request) => step(request, request.params.dossierId, dossierUpdate(withdrawUpdate)),
  );

  app.get(
    '/dossiers/:dossierId/files/:fileId',
    {
      onRequest: requireAccount,
      schema: {
        tags: ['dossiers'],
        summary: "Télécharger un fichier du dossier (son candidat ou le service sélection)",
        security: sessionSecurity,
        params: z.object({ dossierId: dossierIdSchema, fileId: z.string().regex(/^[a-f0-9]{24}$/, 'identifiant de fichier invalide') }),
        response: { 200: z.unknown().describe('The file, as uploaded (PDF, JPEG or PNG).'), 400: errorSchema, 401: errorSchema, 404: errorSchema },
      },
    },
    async (request, reply) => {
      const state = await readableDossierOf(request, request.params.dossierId);
      const file = filesOf(state).find((f) => f.fileId === request.params.fileId);
      if (!file) throw new AppError('FILE_NOT_FOUND', "Ce fichier n'existe pas dans ce dossier.");
      return sendDownload(reply, file, files.openDownload(file.fileId));
    },
  );
};

type StepRunner = (request: FastifyRequest, dossierId: string, call: DossierUpdateCall) => Promise<DossierView>;
type UploadRunner = (request: FastifyRequest, dossierId: string, target: FileTarget) => Promise<DossierView>;

/** Diplomas and experiences share one shape: add, edit, remove, and one file each. */
function registerEntryRoutes<Fields>(
  app: FastifyInstance,
  options: {
    path: 'diplomas' | 'experiences';
    fileSegment: 'document' | 'proof';
    summary: string;
    fieldsSchema: z.ZodType<Fields>;
    save: (entryId: string | undefined, fields: Fields) => DossierUpdateCall;
    remove: (entryId: string) => DossierUpdateCall;
    target: (entryId: string) => FileTarget;
    step: StepRunner;
    upload: UploadRunner;
  },
): void {
  const routes = app.withTypeProvider<import('fastify-type-provider-zod').ZodTypeProvider>();
  const base = `/dossiers/:dossierId/${options.path}`;
  const common = { tags: ['dossiers'], security: sessionSecurity };
  routes.post(
    base,
    { onRequest: requireCandidate, schema: { ...common, summary: `${options.summary} — « + Ajouter »`, params: dossierParams, body: options.fieldsSchema, response: { 200: dossierSchema, ...stepErrors } } },
    async (request) => options.step(request, request.params.dossierId, options.save(undefined, request.body as Fields)),
  );
  routes.put(
    `${base}/:entryId`,
    { onRequest: requireCandidate, schema: { ...common, summary: `${options.summary} — modifier une entrée`, params: entryParams, body: options.fieldsSchema, response: { 200: dossierSchema, ...stepErrors } } },
    async (request) => options.step(request, request.params.dossierId, options.save(request.params.entryId, request.body as Fields)),
  );
  routes.delete(
    `${base}/:entryId`,
    { onRequest: requireCandidate, schema: { ...common, summary: `${options.summary} — supprimer une entrée (et son fichier)`, params: entryParams, response: { 200: dossierSchema, ...stepErrors } } },
    async (request) => options.step(request, request.params.dossierId, options.remove(request.params.entryId)),
  );
  routes.put(
    `${base}/:entryId/${options.fileSegment}`,
    {
      onRequest: requireCandidate,
      schema: { ...common, summary: `${options.summary} — téléverser le justificatif`, description: uploadDescription, consumes: ['multipart/form-data'], params: entryParams, response: { 200: dossierSchema, ...uploadErrors } },
    },
    async (request) => options.upload(request, request.params.dossierId, options.target(request.params.entryId)),
  );
}
