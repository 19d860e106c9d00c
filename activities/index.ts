import type { Models } from '../db/models.js';
import { type EmailTemplate, renderEmail } from '../mail/templates.js';
import type { Mailer } from '../mail/transport.js';
import type { DossierView } from '../workflows/dossier/contract.js';

export interface ActivityDependencies {
  models: Pick<Models, 'Dossier' | 'SentEmail'>;
  mailer: Pick<Mailer, 'send'>;
  config: { publicBaseUrl: string };
}

export interface SendEmailInput {
  /** Workflow id + purpose: the same key is never sent twice. */
  idempotencyKey: string;
  to: string;
  template: EmailTemplate;
}

const DUPLICATE_KEY = 11000;

function isDuplicateKeyError(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === DUPLICATE_KEY;
}

/**
 * Activities run at least once, so each one is idempotent: stores are upserts
 * guarded by the dossier's revision, e-mails are recorded under their key.
 */
export function createActivities({ models, mailer, config }: ActivityDependencies) {
  return {
    async storeDossier(dossier: DossierView): Promise<void> {
      const { dossierId, ...fields } = dossier;
      try {
        // Matches only an older revision: a retried, stale write finds a newer
        // document, fails to insert a duplicate _id, and is dropped below.
        await models.Dossier.updateOne(
          { _id: dossierId, revision: { $lte: dossier.revision } },
          { $set: { ...fields, closesAt: new Date(fields.closesAt), openedAt: new Date(fields.openedAt) } },
          { upsert: true },
        );
      } catch (error) {
        if (!isDuplicateKeyError(error)) throw error;
      }
    },

    async sendEmail(input: SendEmailInput): Promise<{ sent: boolean }> {
      if (await models.SentEmail.exists({ _id: input.idempotencyKey })) return { sent: false };
      const rendered = renderEmail(input.template, { publicBaseUrl: config.publicBaseUrl });
      // A crash between sending and recording sends this message once more on
      // retry; SMTP offers no way to make the pair atomic.
      const { messageId } = await mailer.send({ to: input.to, idempotencyKey: input.idempotencyKey, ...rendered });
      await models.SentEmail.updateOne(
        { _id: input.idempotencyKey },
        { $setOnInsert: { to: input.to, subject: rendered.subject, messageId, sentAt: new Date() } },
        { upsert: true },
      );
      return { sent: true };
    },
  };
}

export type Activities = ReturnType<typeof createActivities>;
