/**
 * The candidate's dossier, one step per screen in the guide's order — état
 * civil, situation actuelle, pièces obligatoires, diplômes, expériences
 * professionnelles, déclaration — each with « Valider ma saisie » then
 * « Suivant »; « Mes inscriptions »; the read-only summary; withdrawal.
 * Every change goes through the same service as the JSON API's step routes.
 */
import type { UpdateDefinition } from '@temporalio/common';
import { randomUUID } from 'node:crypto';
import type { z } from 'zod';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { scopedDossierOf, scopedSelectionOf } from '../../api/access.js';
import { fingerprintOf, idempotencyKeyOf } from '../../api/idempotency.js';
import { API_PREFIX } from '../../api/prefix.js';
import { civilStatusBody, declarationBody, diplomaBody, experienceBody, situationBody } from '../../api/schemas/dossier.js';
import { viewDossier } from '../../api/services/dossier-view.js';
import { assertEditable, attachUpload, type DossierUpdate, dossierServiceDeps, dossierUpdate, listCandidateDossiers, openDossier, sendDossierUpdate } from '../../api/services/dossiers.js';
import { downloadableFormsOf } from '../../api/services/selections.js';
import { createFileStore } from '../../db/files.js';
import { DOCUMENT_KINDS, type DocumentKind, MAX_DIPLOMAS, MAX_EXPERIENCES, SITUATIONS, type Step } from '../../domain/dossier.js';
import { type DossierAction, STATUS_LABELS } from '../../domain/dossier-lifecycle.js';
import type { DossierState } from '../../domain/dossier-record.js';
import type { ErrorDetail } from '../../domain/validation.js';
import {
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
import { receiveUpload } from '../../api/uploads.js';
import { type FormValues, formValues, nested, type NoticeKey, noticeOf, pageUpdateId, parseForm, type Problem, problemOf } from '../forms.js';
import { render } from '../render.js';

/** The screens of a dossier, in the guide's order: its five steps, then the declaration. */
export const SCREENS = [
  { step: 'civilStatus', slug: 'etat-civil', label: 'État civil' },
  { step: 'situation', slug: 'situation', label: 'Situation actuelle' },
  { step: 'documents', slug: 'pieces', label: 'Pièces obligatoires' },
  { step: 'diplomas', slug: 'diplomes', label: 'Diplômes' },
  { step: 'experiences', slug: 'experiences', label: 'Expériences professionnelles' },
  { step: 'declaration', slug: 'declaration', label: 'Déclaration' },
] as const satisfies readonly { step: Step | 'declaration'; slug: string; label: string }[];
type Screen = (typeof SCREENS)[number];

export const dossierPagePath = (dossierId: string, slug?: string) => `/mes-inscriptions/${encodeURIComponent(dossierId)}${slug ? `/${slug}` : ''}`;
const screenOf = (step: string) => SCREENS.find((screen) => screen.step === step)!;

const CIVIL_STATUS_FIELDS = ['civility', 'lastName', 'usedLastName', 'firstNames', 'birthDate', 'birthPlace', 'birthCountry', 'nationality', 'address.line1', 'address.line2', 'address.postalCode', 'address.city', 'address.country', 'phone'] as const;
const DIPLOMA_FIELDS = ['title', 'level', 'institution', 'year'] as const;
const EXPERIENCE_FIELDS = ['employer', 'position', 'startDate', 'endDate', 'description'] as const;

export async function dossierPages(app: FastifyInstance): Promise<void> {
  const deps = dossierServiceDeps(app);
  const { models } = app.deps.database;
  const files = createFileStore(app.deps.database.connection);
  const maxBytes = app.deps.config.UPLOAD_MAX_MB * 1024 * 1024;
  const candidate = { pageRoles: ['candidate'] as const };

  /** Everything a dossier's screen shows beside its form: the steps, the dossier, the office to contact. */
  async function screenData(dossier: DossierState, screen: Screen, extra: { problem?: Problem | undefined; values?: FormValues; flash?: string | undefined } = {}) {
    const view = viewDossier(dossier, 'candidate');
    // The office to contact and the forms to download: one read of the selection (its training is not shown).
    const record = await models.Selection.findById(dossier.selectionId).lean();
    const selection = record ? { officeContact: record.officeContact, downloadableForms: downloadableFormsOf(record) } : undefined;
    const position = SCREENS.indexOf(screen) + 1;
    const steps = SCREENS.map((s) => {
      const progress = view.progress.steps.find((p) => p.step === s.step);
      const state = s.step === 'declaration' ? (view.status === 'SUBMITTED' ? 'done' : 'todo') : progress?.done ? 'done' : progress?.required ? 'todo' : 'optional';
      return { ...s, href: dossierPagePath(dossier.dossierId, s.slug), state, current: s === screen };
    });
    const next = SCREENS[position];
    return {
      title: `Étape ${position} sur ${SCREENS.length} — ${screen.label} — ${view.selectionTitle}`,
      heading: screen.label,
      position,
      count: SCREENS.length,
      dossier: view,
      status: STATUS_LABELS[view.status],
      selection,
      steps,
      screen,
      next: next ? { href: dossierPagePath(dossier.dossierId, next.slug), label: 'Suivant' } : undefined,
      previous: position > 1 ? { href: dossierPagePath(dossier.dossierId, SCREENS[position - 2]!.slug) } : undefined,
      base: dossierPagePath(dossier.dossierId),
      idempotencyKey: randomUUID(),
      maxBytes,
      maxMb: app.deps.config.UPLOAD_MAX_MB,
      situations: SITUATIONS.map((s) => ({ value: s.code, label: s.label })),
      limits: { diplomas: MAX_DIPLOMAS, experiences: MAX_EXPERIENCES },
      fileUrl: (fileId: string) => `${API_PREFIX}/dossiers/${encodeURIComponent(dossier.dossierId)}/files/${fileId}`,
      values: extra.values ?? {},
      problem: extra.problem,
      flash: extra.flash,
    };
  }

  const showScreen = async (request: FastifyRequest, reply: FastifyReply, screen: Screen, extra: Parameters<typeof screenData>[2] = {}) =>
    render(request, reply, `dossier-${screen.slug}`, await screenData(scopedDossierOf(request), screen, extra));

  /** A link from a refusal's item to the screen that fixes it (a missing document, a diploma's proof…). */
  const linkOf = (dossierId: string) => (detail: ErrorDetail) => (detail.step ? `${dossierPagePath(dossierId, screenOf(detail.step).slug)}${detail.entryId ? `#entree-${detail.entryId}` : ''}` : undefined);

  /**
   * Applies one step, then sends the person back to the screen with a notice
   * (303: a reload does not send it again). Refused, the screen shows why,
   * with what was typed. The form's address carries an Idempotency-Key
   * (`?cle=`): a form sent twice (a double click, a retry) lands once.
   */
  async function step(
    request: FastifyRequest,
    reply: FastifyReply,
    screen: Screen,
    run: () => { action: DossierAction; update: DossierUpdate; fingerprint?: unknown },
    options: { values?: FormValues; fields?: readonly string[]; idPrefix?: string; notice?: NoticeKey; then?: string } = {},
  ) {
    const dossier = scopedDossierOf(request);
    try {
      const { action, update, fingerprint } = run();
      const updateId = await pageUpdateId(models, request, fingerprintOf(fingerprint ?? request.body));
      // The screen it redirects to reads the dossier: no read of it here.
      await sendDossierUpdate(deps, dossier.dossierId, action, update, updateId, dossier);
      return reply.code(303).redirect(`${options.then ?? dossierPagePath(dossier.dossierId, screen.slug)}?message=${options.notice ?? 'enregistre'}`);
    } catch (error) {
      const problem = problemOf(error, { ...(options.fields ? { fields: options.fields } : {}), ...(options.idPrefix ? { idPrefix: options.idPrefix } : {}), linkOf: linkOf(dossier.dossierId) });
      if (!problem) throw error;
      return showScreen(request, reply, screen, { problem, ...(options.values ? { values: options.values } : {}) });
    }
  }

  /** Streams the file in (the same checks as the API), then attaches it as the API does (attachUpload). */
  async function uploadStep(request: FastifyRequest, reply: FastifyReply, screen: Screen, target: FileTarget) {
    const dossier = scopedDossierOf(request);
    // The upload's own form on the screen (partials/upload.eta): a refusal links to it and is shown in it.
    const formId = target.kind === 'document' ? `piece-${target.document}` : `justificatif-${target.entryId}`;
    try {
      const key = idempotencyKeyOf(request, (request.query as { cle?: string }).cle);
      assertEditable(dossier);
      const received = await receiveUpload(request, files, { maxBytes, metadata: { dossierId: dossier.dossierId, candidateId: dossier.candidate.id, target } });
      await attachUpload(deps, files, dossier, target, received, key, 'new-action');
      return reply.code(303).redirect(`${dossierPagePath(dossier.dossierId, screen.slug)}?message=fichier-enregistre#${formId}`);
    } catch (error) {
      const problem = problemOf(error, { target: formId });
      if (!problem) throw error;
      return showScreen(request, reply, screen, { problem });
    }
  }

  // « Mes inscriptions » → « Compléter un dossier en cours »
  app.get('/mes-inscriptions', { config: candidate }, async (request, reply) => {
    const dossiers = await listCandidateDossiers(deps, request.auth!.account._id);
    const rows = dossiers.map((dossier) => {
      const firstToDo = dossier.progress.steps.find((s) => s.required && !s.done);
      return {
        dossier,
        status: STATUS_LABELS[dossier.status],
        resume: dossierPagePath(dossier.dossierId, dossier.editable ? (firstToDo ? screenOf(firstToDo.step).slug : 'declaration') : 'recapitulatif'),
        done: dossier.progress.steps.filter((s) => s.done).length,
        total: dossier.progress.steps.length,
      };
    });
    return render(request, reply, 'my-dossiers', { title: 'Mes inscriptions', rows, flash: noticeOf(request.query) });
  });

  // « + S'inscrire »: opens the dossier (or finds the one already open), then its first screen.
  app.post('/selections/:selectionId/inscription', { config: candidate }, async (request, reply) => {
    const { account } = request.auth!;
    const { dossier } = await openDossier(deps, scopedSelectionOf(request), { id: account._id, email: account.email, firstName: account.firstName, lastName: account.lastName });
    return reply.code(303).redirect(dossierPagePath(dossier.dossierId, dossier.editable ? SCREENS[0].slug : 'recapitulatif'));
  });

  app.get('/mes-inscriptions/:dossierId', { config: candidate }, async (request, reply) => {
    const view = viewDossier(scopedDossierOf(request), 'candidate');
    const firstToDo = view.progress.steps.find((s) => s.required && !s.done);
    return reply.code(303).redirect(dossierPagePath(view.dossierId, view.editable ? (firstToDo ? screenOf(firstToDo.step).slug : 'declaration') : 'recapitulatif'));
  });

  for (const screen of SCREENS) {
    app.get(`/mes-inscriptions/:dossierId/${screen.slug}`, { config: candidate }, async (request, reply) => {
      const dossier = scopedDossierOf(request);
      // A dossier that can no longer change is shown as it stands.
      if (!viewDossier(dossier, 'candidate').editable) return reply.code(303).redirect(dossierPagePath(dossier.dossierId, 'recapitulatif'));
      return showScreen(request, reply, screen, { flash: noticeOf(request.query) });
    });
  }

  // 1) État civil
  app.post('/mes-inscriptions/:dossierId/etat-civil', { config: candidate }, async (request, reply) => {
    const values = formValues(request.body);
    return step(request, reply, screenOf('civilStatus'), () => ({ action: 'edit', update: dossierUpdate(saveCivilStatusUpdate, parseForm(civilStatusBody, nested(values, CIVIL_STATUS_FIELDS))) }), { values, fields: CIVIL_STATUS_FIELDS });
  });

  // 2) Situation actuelle
  app.post('/mes-inscriptions/:dossierId/situation', { config: candidate }, async (request, reply) => {
    const values = formValues(request.body);
    return step(request, reply, screenOf('situation'), () => ({ action: 'edit', update: dossierUpdate(saveSituationUpdate, parseForm(situationBody, nested(values, ['status', 'employer']))) }), {
      values,
      fields: ['status', 'employer'],
    });
  });

  // 3) Pièces obligatoires: one form a document, the file in the field `file`.
  app.post('/mes-inscriptions/:dossierId/pieces/:kind', { config: candidate }, async (request, reply) => {
    const kind = (request.params as { kind: string }).kind;
    if (!(DOCUMENT_KINDS as readonly string[]).includes(kind)) return reply.callNotFound();
    return uploadStep(request, reply, screenOf('documents'), { kind: 'document', document: kind as DocumentKind });
  });

  // 4) Diplômes and 5) Expériences professionnelles: entries added with « + Ajouter », edited, removed, each with its proof.
  const entryPages = <Fields>(entry: {
    screen: Screen;
    fields: readonly string[];
    toBody: (values: FormValues) => unknown;
    schema: z.ZodType<Fields>;
    save: UpdateDefinition<DossierReceipt, [{ entryId?: string; fields: Fields }]>;
    remove: UpdateDefinition<DossierReceipt, [{ entryId: string }]>;
    target: (entryId: string) => FileTarget;
  }) => {
    const path = `/mes-inscriptions/:dossierId/${entry.screen.slug}`;
    const entryIdOf = (request: FastifyRequest) => (request.params as { entryId: string }).entryId;
    app.post(path, { config: candidate }, async (request, reply) => {
      const values = formValues(request.body);
      return step(request, reply, entry.screen, () => ({ action: 'edit', update: dossierUpdate(entry.save, { fields: parseForm(entry.schema, entry.toBody(values)) }) }), { values: { ...values, form: 'new' }, fields: entry.fields, idPrefix: 'new' });
    });
    app.post(`${path}/:entryId`, { config: candidate }, async (request, reply) => {
      const values = formValues(request.body);
      const entryId = entryIdOf(request);
      return step(request, reply, entry.screen, () => ({ action: 'edit', update: dossierUpdate(entry.save, { entryId, fields: parseForm(entry.schema, entry.toBody(values)) }) }), {
        values: { ...values, form: entryId },
        fields: entry.fields,
        idPrefix: entryId,
      });
    });
    app.post(`${path}/:entryId/suppression`, { config: candidate }, async (request, reply) =>
      step(request, reply, entry.screen, () => ({ action: 'edit', update: dossierUpdate(entry.remove, { entryId: entryIdOf(request) }) }), { notice: 'supprime' }),
    );
    app.post(`${path}/:entryId/justificatif`, { config: candidate }, async (request, reply) => uploadStep(request, reply, entry.screen, entry.target(entryIdOf(request))));
  };
  entryPages({
    screen: screenOf('diplomas'),
    fields: ['noDiploma', ...DIPLOMA_FIELDS],
    // « Ne possède pas de diplôme » is an entry of its own: no diploma field then.
    toBody: (values) => (values.noDiploma ? { noDiploma: true } : { ...nested(values, DIPLOMA_FIELDS), ...(values.year?.trim() ? { year: Number(values.year) } : {}) }),
    schema: diplomaBody,
    save: saveDiplomaUpdate,
    remove: removeDiplomaUpdate,
    target: (entryId) => ({ kind: 'diploma', entryId }),
  });
  entryPages({
    screen: screenOf('experiences'),
    fields: EXPERIENCE_FIELDS,
    toBody: (values) => nested(values, EXPERIENCE_FIELDS),
    schema: experienceBody,
    save: saveExperienceUpdate,
    remove: removeExperienceUpdate,
    target: (entryId) => ({ kind: 'experience', entryId }),
  });

  // 6) The declaration: « Dossier complet à travailler par l'ITSRA » (confirmed first) or « Dossier incomplet ».
  app.post('/mes-inscriptions/:dossierId/declaration', { config: candidate }, async (request, reply) => {
    const values = formValues(request.body);
    const dossier = scopedDossierOf(request);
    const screen = screenOf('declaration');
    if (values.choice === 'complet') {
      // What is missing is said now, before a confirmation that would be refused.
      const view = viewDossier(dossier, 'candidate');
      if (view.progress.missing.length === 0) return reply.code(303).redirect(dossierPagePath(dossier.dossierId, 'declaration/confirmation'));
    }
    if (values.choice !== 'complet' && values.choice !== 'incomplet') {
      return showScreen(request, reply, screen, {
        problem: { message: 'Choisissez l’une des deux possibilités.', items: [{ text: 'Votre dossier est-il complet ?', href: '#champ-choice-complet' }], fields: { choice: 'choisissez une réponse' }, statusCode: 422, code: 'VALIDATION_FAILED' },
      });
    }
    const complete = values.choice === 'complet';
    parseForm(declarationBody, { complete });
    return step(request, reply, screen, () =>
      complete
        ? { action: 'declareComplete', update: dossierUpdate(declareCompleteUpdate, { emailVerified: Boolean(request.auth!.account.emailVerifiedAt) }), fingerprint: { complete } }
        : { action: 'declareIncomplete', update: dossierUpdate(declareIncompleteUpdate), fingerprint: { complete } },
    complete ? {} : { then: dossierPagePath(dossier.dossierId, 'declaration/enregistree') });
  });
  app.get('/mes-inscriptions/:dossierId/declaration/confirmation', { config: candidate }, async (request, reply) =>
    render(request, reply, 'dossier-confirm', { ...(await screenData(scopedDossierOf(request), screenOf('declaration'))), title: `Confirmer : dossier complet — ${viewDossier(scopedDossierOf(request), 'candidate').selectionTitle}` }),
  );
  app.post('/mes-inscriptions/:dossierId/declaration/confirmation', { config: candidate }, async (request, reply) => {
    const dossier = scopedDossierOf(request);
    return step(request, reply, screenOf('declaration'), () => ({ action: 'declareComplete', update: dossierUpdate(declareCompleteUpdate, { emailVerified: Boolean(request.auth!.account.emailVerifiedAt) }), fingerprint: { complete: true } }), {
      then: dossierPagePath(dossier.dossierId, 'recapitulatif'),
    });
  });
  app.get('/mes-inscriptions/:dossierId/declaration/enregistree', { config: candidate }, async (request, reply) =>
    render(request, reply, 'dossier-incomplete', await screenData(scopedDossierOf(request), screenOf('declaration'))),
  );

  // The dossier as it stands (as it was submitted, once declared complete).
  app.get('/mes-inscriptions/:dossierId/recapitulatif', { config: candidate }, async (request, reply) => {
    const data = await screenData(scopedDossierOf(request), screenOf('declaration'), { flash: noticeOf(request.query) });
    return render(request, reply, 'dossier-summary', { ...data, title: `Récapitulatif — ${data.dossier.selectionTitle}` });
  });

  // Withdrawing a dossier not yet declared complete, confirmed first.
  app.get('/mes-inscriptions/:dossierId/retrait', { config: candidate }, async (request, reply) => {
    const data = await screenData(scopedDossierOf(request), screenOf('declaration'));
    return render(request, reply, 'dossier-withdraw', { ...data, title: `Retirer mon dossier — ${data.dossier.selectionTitle}` });
  });
  app.post('/mes-inscriptions/:dossierId/retrait', { config: candidate }, async (request, reply) =>
    step(request, reply, screenOf('declaration'), () => ({ action: 'withdraw', update: dossierUpdate(withdrawUpdate) }), { then: '/mes-inscriptions', notice: 'retire' }),
  );
}
