import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { errors } from '../errors.js';
import { errorSchema, idSchema } from '../schemas.js';
import { createFileStore } from '../../db/files.js';
import { sendDownload } from '../downloads.js';
import { AppError } from '../errors.js';
import { documentsBySituation, findSelection, listOpenSelections } from '../services/selections.js';

export const selectionSchema = z
  .object({
    id: z.string(),
    title: z.string(),
    training: z.object({ id: z.string(), title: z.string(), diploma: z.string() }),
    opensAt: z.iso.datetime({ offset: true }),
    closesAt: z.iso.datetime({ offset: true }),
    isOpen: z.boolean(),
    officeContact: z.object({ name: z.string(), email: z.string(), phone: z.string().optional() }).describe('« En cas de difficulté », the selection office to contact.'),
    reminderOffsetsDays: z.array(z.number()),
    capacity: z.number().int().optional(),
    paymentTerms: z.string().describe('Sent to the candidate when the dossier is validated.'),
    requiredDocuments: z.array(
      z.object({ situation: z.string(), label: z.string(), documents: z.array(z.object({ kind: z.string(), label: z.string() })) }),
    ),
    downloadableForms: z
      .array(z.object({ id: z.string(), title: z.string(), filename: z.string(), url: z.string() }))
      .describe('« Documents téléchargeables », e.g. the « Justificatif de statut salarié » to fill in and upload back.'),
  })
  .meta({ id: 'Selection' });

export const selectionRoutes: FastifyPluginAsyncZod = async (app) => {
  app.get(
    '/selections',
    {
      schema: {
        tags: ['selections'],
        summary: 'Les sélections ouvertes maintenant',
        description: 'Open selections (opened and not yet closed), soonest closing first. Dates are ISO 8601; show them in Europe/Paris.',
        response: { 200: z.object({ selections: z.array(selectionSchema) }) },
      },
    },
    async () => ({ selections: await listOpenSelections(app.deps.database.models, new Date()) }),
  );

  app.get(
    '/situations',
    {
      schema: {
        tags: ['selections'],
        summary: '« Situation actuelle » : la liste, et les pièces demandées pour chacune',
        response: { 200: z.object({ situations: z.array(z.object({ situation: z.string(), label: z.string(), documents: z.array(z.object({ kind: z.string(), label: z.string() })) })) }) },
      },
    },
    async () => ({ situations: documentsBySituation() }),
  );

  app.get(
    '/selections/:selectionId/forms/:formId',
    {
      schema: {
        tags: ['selections'],
        summary: 'Télécharger un des « documents téléchargeables » de la sélection',
        params: z.object({ selectionId: idSchema, formId: idSchema }),
        response: { 200: z.unknown().describe('The form (PDF).'), 400: errorSchema, 404: errorSchema },
      },
    },
    async (request, reply) => {
      const selection = await app.deps.database.models.Selection.findById(request.params.selectionId).lean();
      const form = selection?.downloadableForms?.find((f) => f.id === request.params.formId);
      if (!form?.fileId) throw new AppError('FORM_NOT_FOUND', "Ce document n'existe pas pour cette sélection.");
      const files = createFileStore(app.deps.database.connection);
      const stored = await files.find(String(form.fileId));
      if (!stored) throw new AppError('FORM_NOT_FOUND', "Ce document n'existe pas pour cette sélection.");
      return sendDownload(reply, { contentType: stored.contentType, size: stored.length, filename: stored.filename }, files.openDownload(stored.id));
    },
  );

  app.get(
    '/selections/:selectionId',
    {
      schema: {
        tags: ['selections'],
        summary: "Le détail d'une sélection",
        params: z.object({ selectionId: idSchema }),
        response: { 200: selectionSchema, 400: errorSchema, 404: errorSchema },
      },
    },
    async (request) => {
      const selection = await findSelection(app.deps.database.models, request.params.selectionId, new Date());
      if (!selection) throw errors.selectionNotFound();
      return selection;
    },
  );
};
