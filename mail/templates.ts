import { formatParisDateTime } from '../domain/paris-time.js';

/**
 * Every e-mail the system sends, as data. Activities receive one of these, so a
 * workflow history shows which message was meant without holding its text.
 */
export type EmailTemplate = {
  kind: 'dossierOpened';
  trainingTitle: string;
  closesAt: string;
};

export interface RenderedEmail {
  subject: string;
  text: string;
}

export interface RenderContext {
  publicBaseUrl: string;
}

export function renderEmail(template: EmailTemplate, context: RenderContext): RenderedEmail {
  switch (template.kind) {
    case 'dossierOpened':
      return {
        subject: `Votre dossier d'inscription — ${template.trainingTitle}`,
        text: [
          'Bonjour,',
          '',
          `Votre dossier d'inscription à la sélection « ${template.trainingTitle} » est ouvert.`,
          `Vous pouvez le compléter jusqu'au ${formatParisDateTime(template.closesAt)} (heure de Paris).`,
          '',
          `Pour reprendre votre saisie : ${context.publicBaseUrl} → « Mes inscriptions » → « Compléter un dossier en cours ».`,
          '',
          'Le service sélection',
        ].join('\n'),
      };
  }
}
