import { formatParisDateTime } from '../domain/paris-time.js';

/**
 * Every e-mail the system sends, as data. Activities receive one of these, so a
 * workflow history shows which message was meant. Secrets (links with tokens)
 * are added by the activity and never pass through a workflow.
 */
export type EmailTemplate =
  | { kind: 'dossierOpened'; trainingTitle: string; closesAt: string }
  | { kind: 'dossierSubmitted'; trainingTitle: string }
  | { kind: 'dossierIncomplete'; trainingTitle: string; closesAt: string; missing: string[] }
  | { kind: 'dossierReminder'; trainingTitle: string; closesAt: string; daysLeft: number; missing: string[] }
  | { kind: 'dossierExpired'; trainingTitle: string; closesAt: string }
  | { kind: 'dossierWithdrawn'; trainingTitle: string }
  | { kind: 'dossierValidated'; trainingTitle: string; paymentTerms: string }
  | { kind: 'dossierChangesRequested'; trainingTitle: string; comment: string; items: string[]; respondBy: string }
  | { kind: 'dossierRejected'; trainingTitle: string; reason: string }
  | { kind: 'verifyEmail'; firstName: string; link: string; validUntil: string }
  | { kind: 'confirmNewEmail'; firstName: string; link: string; validUntil: string }
  | { kind: 'passwordReset'; firstName: string; identifier: string; link: string; validUntil: string }
  | { kind: 'passwordResetDone'; firstName: string }
  | { kind: 'passwordChanged'; firstName: string }
  | { kind: 'emailChanged'; firstName: string; newEmail: string }
  | { kind: 'signupOnExistingEmail'; identifier: string; resetLink: string }
  | { kind: 'confirmErasure'; firstName: string; link: string; validUntil: string }
  | { kind: 'accountErased'; firstName: string }
  | { kind: 'inactiveAccountWarning'; firstName: string; identifier: string; removalOn: string; loginLink: string };

export interface RenderedEmail {
  subject: string;
  text: string;
}

export interface RenderContext {
  publicBaseUrl: string;
}

const SIGNATURE = ['', "Le service sélection de l'ITSRA"];
const NOT_YOU =
  "Si vous n'êtes pas à l'origine de cette demande, ignorez ce message : votre compte n'est pas modifié.";
const SECURITY_ALERT =
  "Si vous n'êtes pas à l'origine de ce changement, réinitialisez sans attendre votre mot de passe (« Mot de passe oublié » sur la page de connexion) et prévenez le service sélection.";

function missingList(missing: string[]): string[] {
  return missing.length === 0 ? ['Toutes les pièces demandées sont présentes.'] : ['Il reste à fournir :', ...missing.map((item) => `  - ${item}`)];
}

export function renderEmail(template: EmailTemplate, context: RenderContext): RenderedEmail {
  const lines = (...text: string[]) => [...text, ...SIGNATURE].join('\n');
  const resume = `Pour reprendre votre saisie : ${context.publicBaseUrl} → « Mes inscriptions » → « Compléter un dossier en cours ».`;
  switch (template.kind) {
    case 'dossierSubmitted':
      return {
        subject: `Dossier complet reçu — ${template.trainingTitle}`,
        text: lines(
          'Bonjour,',
          '',
          `Vous avez déclaré complet votre dossier d'inscription à la sélection « ${template.trainingTitle} ».`,
          '',
          "Votre dossier va être étudié par le service sélection de l'ITSRA.",
          'Vous serez informé(e) de sa validation par courriel, ainsi que des modalités de paiement.',
        ),
      };
    case 'dossierIncomplete':
      return {
        subject: `Dossier enregistré, à compléter — ${template.trainingTitle}`,
        text: lines(
          'Bonjour,',
          '',
          `Votre dossier d'inscription à la sélection « ${template.trainingTitle} » est enregistré comme incomplet.`,
          `Vous pouvez le compléter jusqu'au ${formatParisDateTime(template.closesAt)} (heure de Paris), date de clôture des inscriptions.`,
          'Le service sélection traitera votre dossier une fois que vous l’aurez déclaré complet.',
          '',
          ...missingList(template.missing),
          '',
          resume,
        ),
      };
    case 'dossierReminder':
      return {
        subject: `Plus que ${template.daysLeft} jour${template.daysLeft > 1 ? 's' : ''} pour compléter votre dossier — ${template.trainingTitle}`,
        text: lines(
          'Bonjour,',
          '',
          `Les inscriptions à la sélection « ${template.trainingTitle} » ferment le ${formatParisDateTime(template.closesAt)} (heure de Paris).`,
          "Votre dossier n'est pas encore déclaré complet : passé cette date, il sera clos et ne pourra plus être étudié.",
          '',
          ...missingList(template.missing),
          '',
          resume,
          'Une fois toutes les pièces déposées, cliquez sur « Dossier complet à travailler par l’ITSRA ».',
        ),
      };
    case 'dossierExpired':
      return {
        subject: `Inscriptions closes — ${template.trainingTitle}`,
        text: lines(
          'Bonjour,',
          '',
          `Les inscriptions à la sélection « ${template.trainingTitle} » ont fermé le ${formatParisDateTime(template.closesAt)} (heure de Paris).`,
          "Votre dossier n'ayant pas été déclaré complet avant cette date, il est clos et ne sera pas étudié.",
          '',
          "Pour toute question, contactez le service sélection de la formation.",
        ),
      };
    case 'dossierValidated':
      return {
        subject: `Dossier validé — ${template.trainingTitle}`,
        text: lines(
          'Bonjour,',
          '',
          `Votre dossier d'inscription à la sélection « ${template.trainingTitle} » a été validé par le service sélection.`,
          '',
          'Modalités de paiement :',
          template.paymentTerms,
        ),
      };
    case 'dossierChangesRequested':
      return {
        subject: `Modifications demandées sur votre dossier — ${template.trainingTitle}`,
        text: lines(
          'Bonjour,',
          '',
          `Le service sélection a étudié votre dossier d'inscription à la sélection « ${template.trainingTitle} » et vous demande de le modifier :`,
          '',
          template.comment,
          ...(template.items.length ? ['', 'Éléments à reprendre :', ...template.items.map((item) => `  - ${item}`)] : []),
          '',
          `Vous pouvez le modifier jusqu'au ${formatParisDateTime(template.respondBy)} (heure de Paris), puis le déclarer de nouveau complet.`,
          resume,
        ),
      };
    case 'dossierRejected':
      return {
        subject: `Dossier non retenu — ${template.trainingTitle}`,
        text: lines(
          'Bonjour,',
          '',
          `Après étude, votre dossier d'inscription à la sélection « ${template.trainingTitle} » n'a pas été retenu.`,
          '',
          `Motif : ${template.reason}`,
          '',
          'Pour toute question, contactez le service sélection de la formation.',
        ),
      };
    case 'dossierWithdrawn':
      return {
        subject: `Dossier retiré — ${template.trainingTitle}`,
        text: lines(
          'Bonjour,',
          '',
          `Votre dossier d'inscription à la sélection « ${template.trainingTitle} » est retiré, à votre demande.`,
          "Si c'est une erreur, contactez le service sélection de la formation.",
        ),
      };
    case 'dossierOpened':
      return {
        subject: `Votre dossier d'inscription — ${template.trainingTitle}`,
        text: lines(
          'Bonjour,',
          '',
          `Votre dossier d'inscription à la sélection « ${template.trainingTitle} » est ouvert.`,
          `Vous pouvez le compléter jusqu'au ${formatParisDateTime(template.closesAt)} (heure de Paris).`,
          '',
          `Pour reprendre votre saisie : ${context.publicBaseUrl} → « Mes inscriptions » → « Compléter un dossier en cours ».`,
        ),
      };
    case 'verifyEmail':
      return {
        subject: 'Confirmez votre adresse e-mail',
        text: lines(
          `Bonjour ${template.firstName},`,
          '',
          'Pour confirmer votre adresse e-mail, ouvrez ce lien :',
          template.link,
          '',
          `Ce lien ne sert qu'une fois et expire le ${formatParisDateTime(template.validUntil)} (heure de Paris).`,
          "Vous pouvez remplir vos dossiers dès maintenant ; l'adresse doit être confirmée avant de déclarer un dossier complet, car le service sélection vous écrira à cette adresse.",
          '',
          NOT_YOU,
        ),
      };
    case 'confirmNewEmail':
      return {
        subject: 'Confirmez votre nouvelle adresse e-mail',
        text: lines(
          `Bonjour ${template.firstName},`,
          '',
          'Vous avez demandé que cette adresse devienne celle de votre compte. Pour le confirmer, ouvrez ce lien :',
          template.link,
          '',
          `Ce lien ne sert qu'une fois et expire le ${formatParisDateTime(template.validUntil)} (heure de Paris). Tant qu'il n'est pas ouvert, votre ancienne adresse reste en usage.`,
          '',
          NOT_YOU,
        ),
      };
    case 'passwordReset':
      return {
        subject: 'Réinitialisation de votre mot de passe',
        text: lines(
          `Bonjour ${template.firstName},`,
          '',
          `Une réinitialisation du mot de passe a été demandée pour l'identifiant « ${template.identifier} ».`,
          'Pour choisir un nouveau mot de passe, ouvrez ce lien :',
          template.link,
          '',
          `Ce lien ne sert qu'une fois et expire le ${formatParisDateTime(template.validUntil)} (heure de Paris).`,
          '',
          NOT_YOU,
        ),
      };
    case 'passwordResetDone':
      return {
        subject: 'Votre mot de passe a été réinitialisé',
        text: lines(
          `Bonjour ${template.firstName},`,
          '',
          'Le mot de passe de votre compte vient d’être réinitialisé. Toutes vos sessions ont été fermées : reconnectez-vous avec le nouveau mot de passe.',
          '',
          SECURITY_ALERT,
        ),
      };
    case 'passwordChanged':
      return {
        subject: 'Votre mot de passe a été modifié',
        text: lines(
          `Bonjour ${template.firstName},`,
          '',
          'Le mot de passe de votre compte vient d’être modifié. Vos autres sessions ont été fermées.',
          '',
          SECURITY_ALERT,
        ),
      };
    case 'emailChanged':
      return {
        subject: 'Votre adresse e-mail a été modifiée',
        text: lines(
          `Bonjour ${template.firstName},`,
          '',
          `L'adresse e-mail de votre compte est désormais ${template.newEmail}. Les prochains messages seront envoyés à cette adresse.`,
          '',
          SECURITY_ALERT,
        ),
      };
    case 'signupOnExistingEmail':
      return {
        subject: 'Tentative de création de compte avec votre adresse',
        text: lines(
          'Bonjour,',
          '',
          "Quelqu'un a voulu créer un compte avec votre adresse e-mail, qui est déjà celle d'un compte existant. Aucun nouveau compte n'a été créé.",
          '',
          `Votre identifiant est « ${template.identifier} ». Si c'était vous et que vous avez oublié votre mot de passe, vous pouvez le réinitialiser : ${template.resetLink}`,
          '',
          "Sinon, ignorez ce message.",
        ),
      };
    case 'confirmErasure':
      return {
        subject: 'Confirmez la suppression de votre compte',
        text: lines(
          `Bonjour ${template.firstName},`,
          '',
          'Vous avez demandé la suppression de votre compte. Elle effacera votre compte, vos dossiers d’inscription et toutes les pièces déposées ; vos dossiers en cours seront d’abord retirés. Elle est définitive.',
          '',
          `Pour la confirmer, ouvrez ce lien avant le ${formatParisDateTime(template.validUntil)} : ${template.link}`,
          '',
          'Pensez à télécharger vos données avant (« Mon compte » → « Télécharger mes données »).',
          '',
          "Si vous n'êtes pas à l'origine de cette demande, ignorez ce message et changez votre mot de passe.",
        ),
      };
    case 'accountErased':
      return {
        subject: 'Votre compte a été supprimé',
        text: lines(
          `Bonjour ${template.firstName},`,
          '',
          'Comme vous l’avez demandé, votre compte, vos dossiers d’inscription et vos pièces ont été effacés. Ce message est le dernier que vous recevrez de notre part.',
        ),
      };
    case 'inactiveAccountWarning':
      return {
        subject: 'Votre compte sera supprimé faute d’utilisation',
        text: lines(
          `Bonjour ${template.firstName},`,
          '',
          `Votre compte « ${template.identifier} » n’a servi à aucun dossier et personne ne s’y est connecté depuis longtemps. Pour ne pas garder vos données sans raison, nous le supprimerons le ${formatParisDateTime(template.removalOn)}.`,
          '',
          `Pour le garder, il suffit de vous connecter avant cette date : ${template.loginLink}`,
        ),
      };
  }
}
