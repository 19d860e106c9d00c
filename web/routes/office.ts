/**
 * The selection office's console, under /service: its selections with their
 * counts, a selection's dossiers (filters, search, sort, pages), one dossier
 * (documents shown in the page, a review per document, the audit trail, the
 * decisions), the deadlines, and the selections themselves. Every action is
 * confirmed first — a decision shows the e-mail the candidate will receive —
 * and goes through the same services as the JSON staff routes.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { randomUUID } from 'node:crypto';
import { type SelectionDoc, scopedDossierOf, scopedSelectionOf, staffScopeOf } from '../../api/access.js';
import { AppError } from '../../api/errors.js';
import { fingerprintOf } from '../../api/idempotency.js';
import { recordStaffReads, staffReadsOf } from '../../api/staff-reads.js';
import { DEFAULT_RETENTION_MONTHS, describeRetention, RETAINED_OUTCOMES, RETENTION_LABELS, retentionOf } from '../../domain/retention.js';
import { API_PREFIX } from '../../api/prefix.js';
import { batchJobIdSchema, dossierListQuerySchema } from '../../api/schemas/staff.js';
import { newSelectionSchema, selectionChangesSchema } from '../../api/schemas/selection.js';
import { viewDossier } from '../../api/services/dossier-view.js';
import { dossierServiceDeps } from '../../api/services/dossiers.js';
import { decide, extendCandidateDeadline, listSelectionDossiers, reviewDocument, statusCounts } from '../../api/services/office.js';
import { createSelection, putSelectionForm, updateSelection } from '../../api/services/selection-admin.js';
import { closingDateProgress, extendSelectionClosingDate, listSelectionsForStaff, summarizeOne } from '../../api/services/selections.js';
import { createFileStore } from '../../db/files.js';
import { applyChangeRequest, candidateDeadlineSchema, decisionSchema, documentReviewInputSchema, selectionClosingDateSchema } from '../../domain/decisions.js';
import { DOCUMENT_LABELS, type DocumentKind, describeFile, filesOf, SITUATIONS } from '../../domain/dossier.js';
import { DOSSIER_STATUSES, effectiveDeadline, LIVE_STATUSES, STATUS_LABELS } from '../../domain/dossier-lifecycle.js';
import { parisWallTime } from '../../domain/paris-time.js';
import { decisionEmail } from '../../mail/dossier-emails.js';
import { renderEmail } from '../../mail/templates.js';
import { formValues, nested, noticeOf, pageUpdateId, parseForm, type Problem, problemOf } from '../forms.js';
import { render } from '../render.js';

const staff = { pageRoles: ['office', 'admin'] as const };

/** "2027-03-01T12:00" typed in a datetime-local field, as Paris time: the instant, ISO 8601 (or the text as is, for the schema to refuse). */
export function parisInstant(local: string | undefined): string | undefined {
  const match = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})$/.exec(local?.trim() ?? '');
  if (!match) return local?.trim() || undefined;
  const [, year, month, day, hour, minute] = match.map(Number) as [number, number, number, number, number, number];
  return parisWallTime(year, month, day, hour, minute).toISOString();
}

/** An instant as a datetime-local field shows it, in Paris time. */
export function parisLocal(iso: string | Date | undefined): string {
  if (!iso) return '';
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/Paris', hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit' })
      .formatToParts(typeof iso === 'string' ? new Date(iso) : iso)
      .map((part) => [part.type, part.value]),
  );
  return `${parts.year}-${parts.month}-${parts.day}T${parts.hour}:${parts.minute}`;
}

export async function officePages(app: FastifyInstance): Promise<void> {
  const deps = dossierServiceDeps(app);
  const { models, connection } = app.deps.database;
  const files = createFileStore(connection);
  const publicBaseUrl = app.deps.config.PUBLIC_BASE_URL;
  const dossierPath = (dossierId: string) => `/service/dossiers/${encodeURIComponent(dossierId)}`;
  const selectionPath = (selectionId: string) => `/service/selections/${encodeURIComponent(selectionId)}`;

  // The office's selections, latest first, with their dossiers per status (unfinished ones included).
  app.get('/service', { config: staff }, async (request, reply) => {
    const selections = await listSelectionsForStaff(models, staffScopeOf(request.auth!.account), new Date());
    const rows = await Promise.all(selections.map(async (selection) => ({ selection, ...(await statusCounts(models, selection.id)) })));
    return render(request, reply, 'service-home', { title: 'Service sélection — mes sélections', rows, statuses: DOSSIER_STATUSES.map((status) => ({ status, label: STATUS_LABELS[status] })), flash: noticeOf(request.query) });
  });

  /** Where the engine stands in telling the dossiers a new closing date (the page after the change shows it). */
  async function closingBatchOf(selection: SelectionDoc, envoi: string | undefined) {
    const jobId = batchJobIdSchema.safeParse(envoi);
    if (!jobId.success) return undefined;
    const progress = await closingDateProgress({ temporal: app.deps.temporal, temporalTimeoutMs: deps.temporalTimeoutMs }, selection, jobId.data).catch(() => null);
    return progress ? { ...progress, refresh: `${selectionPath(selection._id)}?envoi=${encodeURIComponent(jobId.data)}` } : undefined;
  }

  // A selection's dossiers: the same filters, search, sort and pages as the API.
  app.get('/service/selections/:selectionId', { config: staff }, async (request, reply) => {
    const selection = scopedSelectionOf(request);
    const raw = formValues(request.query);
    const query = dossierListQuerySchema.safeParse(Object.fromEntries(Object.entries(raw).filter(([, value]) => value !== '')));
    const list = await listSelectionDossiers(models, selection, query.success ? query.data : dossierListQuerySchema.parse({}));
    const summary = await summarizeOne(models, selection, new Date());
    const pages = Math.max(1, Math.ceil(list.total / list.pageSize));
    const pageUrl = (page: number) => `${selectionPath(selection._id)}?${new URLSearchParams({ ...raw, page: String(page) }).toString()}`;
    return render(request, reply, 'service-selection', {
      title: `Dossiers — ${selection.title}`,
      selection: summary,
      list,
      query: raw,
      pages,
      previousPage: list.page > 1 ? pageUrl(list.page - 1) : undefined,
      nextPage: list.page < pages ? pageUrl(list.page + 1) : undefined,
      statuses: DOSSIER_STATUSES.map((status) => ({ value: status, label: STATUS_LABELS[status] })),
      rows: list.items.map((dossier) => ({ dossier, status: STATUS_LABELS[dossier.status], href: dossierPath(dossier.dossierId), missing: dossier.progress.missing.length })),
      csv: `${API_PREFIX}/staff/selections/${encodeURIComponent(selection._id)}/dossiers.csv`,
      retention: describeRetention(retentionOf(selection)),
      closingBatch: await closingBatchOf(selection, raw.envoi),
      purges: [...(selection.purges ?? [])].reverse(),
      flash: noticeOf(request.query),
      problem: query.success ? undefined : problemOf(new AppError('VALIDATION_FAILED', 'Les filtres sont invalides : la liste les ignore.', [])),
    });
  });

  /** Everything the dossier's page shows; `extra` carries a refusal to show, or the values typed. */
  async function dossierData(request: FastifyRequest, extra: { problem?: Problem | undefined; values?: Record<string, string>; flash?: string | undefined } = {}) {
    const dossier = scopedDossierOf(request);
    const view = viewDossier(dossier, 'staff');
    const documents = filesOf(dossier).map((file) => ({
      file,
      label: describeFile(dossier, file.fileId) ?? file.filename,
      review: dossier.reviews?.[file.fileId],
      inline: `${dossierPath(dossier.dossierId)}/fichiers/${file.fileId}`,
      download: `${API_PREFIX}/dossiers/${encodeURIComponent(dossier.dossierId)}/files/${file.fileId}`,
      isImage: file.contentType.startsWith('image/'),
    }));
    // Previous and next dossiers of the selection, in the list's default order: the review loop.
    const siblings = await models.Dossier.find({ selectionId: dossier.selectionId }, { _id: 1, 'candidate.lastName': 1 }).sort({ 'candidate.lastName': 1, _id: 1 }).lean();
    const index = siblings.findIndex((sibling) => sibling._id === dossier.dossierId);
    return {
      title: `${view.civilStatus?.lastName ?? view.candidate.lastName} ${view.civilStatus?.firstNames ?? view.candidate.firstName} — ${view.selectionTitle}`,
      dossier: view,
      status: STATUS_LABELS[view.status],
      situation: SITUATIONS.find((s) => s.code === view.situation?.status)?.label,
      documents,
      documentLabel: (kind: DocumentKind) => DOCUMENT_LABELS[kind],
      base: dossierPath(dossier.dossierId),
      selectionHref: selectionPath(dossier.selectionId),
      previous: index > 0 ? dossierPath(siblings[index - 1]!._id) : undefined,
      next: index >= 0 && index < siblings.length - 1 ? dossierPath(siblings[index + 1]!._id) : undefined,
      zip: `${API_PREFIX}/staff/dossiers/${encodeURIComponent(dossier.dossierId)}/files.zip`,
      deadlineLocal: parisLocal(effectiveDeadline(dossier)),
      reads: await staffReadsOf(models, dossier.dossierId),
      fileLabel: (fileId: string) => describeFile(dossier, fileId) ?? 'pièce supprimée depuis',
      idempotencyKey: randomUUID(),
      values: extra.values ?? {},
      problem: extra.problem,
      flash: extra.flash,
    };
  }

  app.get('/service/dossiers/:dossierId', { config: staff }, async (request, reply) => {
    await recordStaffReads(models, request.auth, [scopedDossierOf(request).dossierId], 'dossier');
    return render(request, reply, 'service-dossier', await dossierData(request, { flash: noticeOf(request.query) }));
  });

  // A document of the dossier, shown in the page: its bytes, never run (a sandbox, no script, no plugin).
  app.get('/service/dossiers/:dossierId/fichiers/:fileId', { config: staff }, async (request, reply) => {
    const file = filesOf(scopedDossierOf(request)).find((f) => f.fileId === (request.params as { fileId: string }).fileId);
    if (!file) return reply.callNotFound();
    await recordStaffReads(models, request.auth, [scopedDossierOf(request).dossierId], 'file', file.fileId);
    return reply
      .type(file.contentType)
      .header('content-length', String(file.size))
      .header('content-disposition', `inline; filename*=UTF-8''${encodeURIComponent(file.filename)}`)
      .header('content-security-policy', "default-src 'none'; sandbox")
      .header('x-content-type-options', 'nosniff')
      .header('cache-control', 'private, no-store')
      .send(files.openDownload(file.fileId));
  });

  /** Runs an office action, then back to the dossier with a notice; refused, the dossier's page says why. */
  async function officeAction(request: FastifyRequest, reply: FastifyReply, run: (updateId: string | undefined) => Promise<unknown>, notice: string, values: Record<string, string> = {}) {
    try {
      await run(await pageUpdateId(models, request, fingerprintOf(request.body)));
      return reply.code(303).redirect(`${dossierPath(scopedDossierOf(request).dossierId)}?message=${notice}`);
    } catch (error) {
      const problem = problemOf(error);
      if (!problem) throw error;
      return render(request, reply, 'service-dossier', await dossierData(request, { problem, values }));
    }
  }

  // The review of one document: accepted, or refused with a comment (joined to the next request for changes).
  app.post('/service/dossiers/:dossierId/examens/:fileId', { config: staff }, async (request, reply) => {
    const values = formValues(request.body);
    const fileId = (request.params as { fileId: string }).fileId;
    return officeAction(
      request,
      reply,
      (updateId) => reviewDocument(deps, scopedDossierOf(request), request.auth!, parseForm(documentReviewInputSchema, { fileId, ...nested(values, ['verdict', 'comment']) }), updateId),
      'examen-enregistre',
      { ...values, form: fileId },
    );
  });

  /** The decision as the form typed it, checked with the API's schema. */
  const decisionOf = (values: Record<string, string>) =>
    parseForm(decisionSchema, {
      decision: values.decision,
      ...(values.decision === 'requestChanges'
        ? { comment: values.comment, items: (values.items ?? '').split('\n').map((item) => item.trim()).filter(Boolean), ...(values.respondBy ? { respondBy: parisInstant(values.respondBy) } : {}) }
        : {}),
      ...(values.decision === 'reject' ? { reason: values.reason } : {}),
    });

  // A decision: first what the candidate will receive (the e-mail's text), then « Confirmer ».
  app.post('/service/dossiers/:dossierId/decision/apercu', { config: staff }, async (request, reply) => {
    const values = formValues(request.body);
    try {
      const decision = decisionOf(values);
      const dossier = scopedDossierOf(request);
      const selection = scopedSelectionOf(request);
      const after = decision.decision === 'requestChanges' ? { ...dossier, ...applyChangeRequest(dossier, decision, new Date().toISOString()) } : dossier;
      const template = decisionEmail(after, decision.decision === 'validate' ? { decision: 'validate', paymentTerms: selection.paymentTerms ?? '' } : decision.decision === 'reject' ? decision : { decision: 'requestChanges', comment: decision.comment });
      const email = renderEmail(template, { publicBaseUrl });
      const labels = { validate: 'Valider le dossier', requestChanges: 'Demander des modifications', reject: 'Refuser le dossier' } as const;
      return render(request, reply, 'service-confirm', {
        title: `Confirmer : ${labels[decision.decision].toLowerCase()}`,
        heading: labels[decision.decision],
        dossier: viewDossier(dossier, 'staff'),
        action: `${dossierPath(dossier.dossierId)}/decision?cle=${randomUUID()}`,
        back: dossierPath(dossier.dossierId),
        hidden: Object.entries(values).filter(([name]) => ['decision', 'comment', 'items', 'respondBy', 'reason'].includes(name)),
        email: { to: dossier.candidate.email, ...email },
        confirm: labels[decision.decision],
        danger: decision.decision === 'reject',
      });
    } catch (error) {
      const problem = problemOf(error);
      if (!problem) throw error;
      return render(request, reply, 'service-dossier', await dossierData(request, { problem, values: { ...values, form: 'decision' } }));
    }
  });
  app.post('/service/dossiers/:dossierId/decision', { config: staff }, async (request, reply) => {
    const values = formValues(request.body);
    return officeAction(request, reply, (updateId) => decide(deps, scopedDossierOf(request), scopedSelectionOf(request), request.auth!, decisionOf(values), updateId), 'decision-enregistree', { ...values, form: 'decision' });
  });

  // One candidate's deadline, moved later (confirmed first).
  app.post('/service/dossiers/:dossierId/date-limite/apercu', { config: staff }, async (request, reply) => {
    const values = formValues(request.body);
    try {
      const { deadline } = parseForm(candidateDeadlineSchema, { deadline: parisInstant(values.deadline) });
      const dossier = scopedDossierOf(request);
      return render(request, reply, 'service-confirm', {
        title: 'Confirmer : nouvelle date limite',
        heading: `Repousser la date limite de ${dossier.candidate.firstName} ${dossier.candidate.lastName}`,
        dossier: viewDossier(dossier, 'staff'),
        action: `${dossierPath(dossier.dossierId)}/date-limite?cle=${randomUUID()}`,
        back: dossierPath(dossier.dossierId),
        hidden: [['deadline', values.deadline ?? '']],
        change: { from: effectiveDeadline(dossier), to: deadline },
        confirm: 'Confirmer la nouvelle date limite',
      });
    } catch (error) {
      const problem = problemOf(error);
      if (!problem) throw error;
      return render(request, reply, 'service-dossier', await dossierData(request, { problem, values: { ...values, form: 'deadline' } }));
    }
  });
  app.post('/service/dossiers/:dossierId/date-limite', { config: staff }, async (request, reply) => {
    const values = formValues(request.body);
    return officeAction(
      request,
      reply,
      (updateId) => extendCandidateDeadline(deps, scopedDossierOf(request), request.auth!, new Date(parseForm(candidateDeadlineSchema, { deadline: parisInstant(values.deadline) }).deadline).toISOString(), updateId),
      'date-limite-modifiee',
      { ...values, form: 'deadline' },
    );
  });

  // The selection's closing date, moved later for every dossier not ended yet.
  app.get('/service/selections/:selectionId/cloture', { config: staff }, async (request, reply) => {
    const selection = scopedSelectionOf(request);
    return render(request, reply, 'service-closing', { title: `Date de clôture — ${selection.title}`, selection, back: selectionPath(selection._id), values: { closesAt: parisLocal(selection.closesAt) } });
  });
  app.post('/service/selections/:selectionId/cloture', { config: staff }, async (request, reply) => {
    const selection = scopedSelectionOf(request);
    const values = formValues(request.body);
    try {
      const { closesAt } = parseForm(selectionClosingDateSchema, { closesAt: parisInstant(values.closesAt) });
      if (values.confirme !== 'oui') {
        const live = await models.Dossier.countDocuments({ selectionId: selection._id, status: { $in: [...LIVE_STATUSES] } });
        return render(request, reply, 'service-closing', { title: `Date de clôture — ${selection.title}`, selection, back: selectionPath(selection._id), values, confirm: { from: selection.closesAt.toISOString(), to: closesAt, live } });
      }
      const outcome = await extendSelectionClosingDate({ models, temporal: app.deps.temporal, temporalTimeoutMs: deps.temporalTimeoutMs }, selection, new Date(closesAt));
      // The selection's page follows the engine telling the dossiers (`envoi`).
      return reply.code(303).redirect(`${selectionPath(selection._id)}?message=cloture-modifiee&envoi=${encodeURIComponent(outcome.batchJobId)}`);
    } catch (error) {
      const problem = problemOf(error, { fields: ['closesAt'] });
      if (!problem) throw error;
      return render(request, reply, 'service-closing', { title: `Date de clôture — ${selection.title}`, selection, back: selectionPath(selection._id), values, problem });
    }
  });

  /** A selection's form as typed: its fields in the API's shape (documents per situation as checkboxes). */
  const selectionInput = (values: Record<string, string>, withIdentity: boolean) => {
    const documentRequirements = Object.fromEntries(
      SITUATIONS.flatMap((situation) => {
        const kinds = (['cv', 'identity', 'motivation', 'employerForm'] as const).filter((kind) => values[`documents.${situation.code}.${kind}`]);
        return values[`documents.${situation.code}.own`] && kinds.length > 0 ? [[situation.code, kinds]] : [];
      }),
    );
    return {
      ...(withIdentity ? { id: values.id, trainingId: values.trainingId, closesAt: parisInstant(values.closesAt) } : {}),
      title: values.title,
      opensAt: parisInstant(values.opensAt),
      ...(values.capacity ? { capacity: Number(values.capacity) } : {}),
      ...(values.paymentTerms?.trim() ? { paymentTerms: values.paymentTerms } : {}),
      reminderOffsetsDays: (values.reminderOffsetsDays ?? '').split(/[ ,;]+/).filter(Boolean).map(Number),
      retentionMonths: Object.fromEntries(RETAINED_OUTCOMES.flatMap((outcome) => (values[`retentionMonths.${outcome}`]?.trim() ? [[outcome, Number(values[`retentionMonths.${outcome}`])]] : []))),
      documentRequirements,
      officeContact: { name: values['officeContact.name'], email: values['officeContact.email'], ...(values['officeContact.phone']?.trim() ? { phone: values['officeContact.phone'] } : {}) },
    };
  };
  const selectionFields = [
    ...['id', 'trainingId', 'title', 'opensAt', 'closesAt', 'capacity', 'paymentTerms', 'reminderOffsetsDays', 'officeContact.name', 'officeContact.email', 'officeContact.phone'],
    ...RETAINED_OUTCOMES.map((outcome) => `retentionMonths.${outcome}`),
  ];
  const trainingsOf = async (request: FastifyRequest) => {
    const scope = staffScopeOf(request.auth!.account);
    return (await models.Training.find(scope === 'all' ? {} : { _id: { $in: [...scope] } }).sort({ title: 1 }).lean()).map((t) => ({ value: t._id, label: t.title }));
  };
  const selectionForm = async (
    request: FastifyRequest,
    reply: FastifyReply,
    data: { editing?: string; values: Record<string, string>; problem?: Problem; flash?: string | undefined; selection?: Awaited<ReturnType<typeof summarizeOne>> },
  ) =>
    render(request, reply, 'service-selection-form', {
      title: data.editing ? 'Modifier la sélection' : 'Créer une sélection',
      ...data,
      trainings: await trainingsOf(request),
      situations: SITUATIONS,
      retainedOutcomes: RETAINED_OUTCOMES.map((code) => ({ code, label: `${RETENTION_LABELS[code][0]!.toUpperCase()}${RETENTION_LABELS[code].slice(1)}` })),
      documentKinds: (['cv', 'identity', 'motivation', 'employerForm'] as const).map((kind) => ({ kind, label: DOCUMENT_LABELS[kind] })),
    });

  app.get('/service/selections/nouvelle', { config: staff }, async (request, reply) =>
    selectionForm(request, reply, { values: { reminderOffsetsDays: '7, 1', ...Object.fromEntries(Object.entries(DEFAULT_RETENTION_MONTHS).map(([outcome, months]) => [`retentionMonths.${outcome}`, String(months)])) } }),
  );
  app.post('/service/selections/nouvelle', { config: staff }, async (request, reply) => {
    const values = formValues(request.body);
    try {
      const created = await createSelection(models, request.auth!, parseForm(newSelectionSchema, selectionInput(values, true)));
      return reply.code(303).redirect(`${selectionPath(created.id)}/modifier?message=selection-creee`);
    } catch (error) {
      const problem = problemOf(error, { fields: selectionFields });
      if (!problem) throw error;
      return selectionForm(request, reply, { values, problem });
    }
  });

  const valuesOfSelection = (selection: ReturnType<typeof scopedSelectionOf>): Record<string, string> => ({
    title: selection.title,
    opensAt: parisLocal(selection.opensAt),
    closesAt: parisLocal(selection.closesAt),
    capacity: selection.capacity ? String(selection.capacity) : '',
    paymentTerms: selection.paymentTerms ?? '',
    reminderOffsetsDays: (selection.reminderOffsetsDays ?? []).join(', '),
    ...Object.fromEntries(Object.entries(retentionOf(selection)).map(([outcome, months]) => [`retentionMonths.${outcome}`, String(months)])),
    'officeContact.name': selection.officeContact.name,
    'officeContact.email': selection.officeContact.email,
    'officeContact.phone': selection.officeContact.phone ?? '',
    ...Object.fromEntries(
      Object.entries((selection.documentRequirements ?? {}) as Record<string, string[]>).flatMap(([situation, kinds]) => [[`documents.${situation}.own`, 'oui'], ...kinds.map((kind) => [`documents.${situation}.${kind}`, 'oui'])]),
    ),
  });
  app.get('/service/selections/:selectionId/modifier', { config: staff }, async (request, reply) => {
    const selection = scopedSelectionOf(request);
    const summary = await summarizeOne(models, selection, new Date());
    return selectionForm(request, reply, { editing: selection._id, values: valuesOfSelection(selection), ...(summary ? { selection: summary } : {}), flash: noticeOf(request.query) });
  });
  app.post('/service/selections/:selectionId/modifier', { config: staff }, async (request, reply) => {
    const selection = scopedSelectionOf(request);
    const values = formValues(request.body);
    try {
      await updateSelection(models, selection, parseForm(selectionChangesSchema, selectionInput(values, false)));
      return reply.code(303).redirect(`${selectionPath(selection._id)}/modifier?message=selection-modifiee`);
    } catch (error) {
      const problem = problemOf(error, { fields: selectionFields });
      if (!problem) throw error;
      const summary = await summarizeOne(models, selection, new Date());
      return selectionForm(request, reply, { editing: selection._id, values: { ...values, closesAt: parisLocal(selection.closesAt) }, problem, ...(summary ? { selection: summary } : {}) });
    }
  });

  // A downloadable form (PDF), its title typed before the file in the same form.
  app.post('/service/selections/:selectionId/documents', { config: staff }, async (request, reply) => {
    const selection = scopedSelectionOf(request);
    try {
      await putSelectionForm(models, files, request, selection, { maxBytes: app.deps.config.UPLOAD_MAX_MB * 1024 * 1024 });
      return reply.code(303).redirect(`${selectionPath(selection._id)}/modifier?message=document-ajoute#documents`);
    } catch (error) {
      const problem = problemOf(error, { target: 'documents' });
      if (!problem) throw error;
      const summary = await summarizeOne(models, selection, new Date());
      return selectionForm(request, reply, { editing: selection._id, values: valuesOfSelection(selection), problem, ...(summary ? { selection: summary } : {}) });
    }
  });
}
