/**
 * The account's pages, as the guide shows them: "S'inscrire à une formation",
 * "Connexion", the forgotten password, the e-mailed links' pages, and the
 * account itself. Each calls the account services of the JSON API.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { frontEndPaths } from '../../activities/index.js';
import { clearSessionCookie, setSessionCookie } from '../../api/auth.js';
import { API_PREFIX } from '../../api/prefix.js';
import {
  emailChangeBody,
  emailConfirmationBody,
  erasureConfirmationBody,
  erasureRequestBody,
  logInBody,
  passwordChangeBody,
  passwordResetBody,
  passwordResetConfirmationBody,
  signUpBody,
} from '../../api/schemas/account.js';
import * as accounts from '../../api/services/accounts.js';
import { PASSWORD_MIN_LENGTH } from '../../domain/password-policy.js';
import { formValues, loginNextOf, nested, noticeOf, parseForm, problemOf } from '../forms.js';
import { LABELS } from '../labels.js';
import { render } from '../render.js';

const passwordRule = `Au moins ${PASSWORD_MIN_LENGTH} caractères. Une phrase de quelques mots est idéale ; évitez les mots de passe courants et votre nom.`;

export async function accountPages(app: FastifyInstance): Promise<void> {
  const deps = accounts.accountServiceDeps(app);
  const candidate = { pageRoles: ['candidate'] as const };
  const anyone = { pageRoles: ['candidate', 'office', 'admin', 'operator'] as const };

  /** Renders a form again with what was typed and why it was refused (or rethrows what is not the person's to fix). */
  const refused = (request: FastifyRequest, reply: FastifyReply, page: string, data: Record<string, unknown>, error: unknown, fields: readonly string[]) => {
    // On the account's forms, « lastName » is the name as typed at sign-up.
    const problem = problemOf(error, { fields, labels: { ...LABELS, lastName: 'Nom' } });
    if (!problem) throw error;
    return render(request, reply, page, { title: String(data.title), ...data, problem });
  };

  // « S'inscrire à une formation » → « Valider ma saisie »
  const signUpFields = ['identifier', 'email', 'password', 'firstName', 'lastName'] as const;
  const notice = app.privacyNotice;
  app.get('/inscription', async (request, reply) => render(request, reply, 'signup', { title: 'Créer mon compte', values: {}, passwordRule, notice }));
  app.post('/inscription', async (request, reply) => {
    const values = formValues(request.body);
    try {
      const input = parseForm(signUpBody, nested(values, [...signUpFields, 'privacyNoticeVersion']));
      await accounts.signUp(deps, input, request.ip);
      const session = await accounts.logIn(deps, input.identifier, input.password, request.ip);
      setSessionCookie(reply, session.token);
      return reply.code(303).redirect('/espace?message=compte-cree');
    } catch (error) {
      return refused(request, reply, 'signup', { title: 'Créer mon compte', values: { ...values, password: '' }, passwordRule, notice }, error, signUpFields);
    }
  });

  // « Connexion »: identifier or e-mail, and password.
  app.get('/connexion', async (request, reply) => {
    if (request.auth) return reply.code(303).redirect(homeOf(request.auth.account.role));
    return render(request, reply, 'login', { title: 'Connexion', values: {}, next: loginNextOf(request.query), flash: noticeOf(request.query) });
  });
  app.post('/connexion', async (request, reply) => {
    const values = formValues(request.body);
    const next = loginNextOf(values);
    try {
      const input = parseForm(logInBody, nested(values, ['login', 'password']));
      const session = await accounts.logIn(deps, input.login, input.password, request.ip);
      setSessionCookie(reply, session.token);
      return reply.code(303).redirect(next ?? homeOf(session.account.role));
    } catch (error) {
      return refused(request, reply, 'login', { title: 'Connexion', values: { login: values.login }, next }, error, ['login', 'password']);
    }
  });

  app.post('/deconnexion', async (request, reply) => {
    if (request.auth) await accounts.logOut(deps, request.auth.sessionId);
    return clearSessionCookie(reply).code(303).redirect('/connexion?message=deconnecte');
  });

  // « Réinitialiser mon mot de passe »: identifier and e-mail → « M'envoyer un lien de réinitialisation ».
  app.get('/mot-de-passe-oublie', async (request, reply) => render(request, reply, 'forgotten-password', { title: 'Mot de passe oublié', values: {} }));
  app.post('/mot-de-passe-oublie', async (request, reply) => {
    const values = formValues(request.body);
    try {
      const input = parseForm(passwordResetBody, nested(values, ['identifier', 'email']));
      await accounts.requestPasswordReset(deps, input.identifier, input.email, request.ip);
      return render(request, reply, 'done', { title: 'E-mail envoyé', text: accounts.ACCOUNT_MESSAGES.resetRequested, next: { href: '/connexion', label: 'Retour à la page de connexion' } });
    } catch (error) {
      return refused(request, reply, 'forgotten-password', { title: 'Mot de passe oublié', values }, error, ['identifier', 'email']);
    }
  });

  // The page the reset e-mail links to: « Renseignez votre nouveau mot de passe ».
  app.get(frontEndPaths.resetPassword, async (request, reply) =>
    render(request, reply, 'reset-password', { title: 'Nouveau mot de passe', token: tokenOf(request.query), passwordRule }),
  );
  app.post(frontEndPaths.resetPassword, async (request, reply) => {
    const values = formValues(request.body);
    try {
      if (values.newPassword !== values.confirmation) {
        return render(request, reply, 'reset-password', {
          title: 'Nouveau mot de passe',
          token: values.token,
          passwordRule,
          problem: { message: 'Les deux mots de passe ne sont pas identiques.', items: [{ text: 'Saisissez deux fois le même mot de passe.', href: '#champ-confirmation' }], fields: { confirmation: 'saisissez deux fois le même mot de passe' }, statusCode: 422, code: 'VALIDATION_FAILED' },
        });
      }
      const input = parseForm(passwordResetConfirmationBody, nested(values, ['token', 'newPassword']));
      await accounts.confirmPasswordReset(deps, input.token, input.newPassword, request.ip);
      return render(request, reply, 'done', { title: 'Mot de passe modifié', text: accounts.ACCOUNT_MESSAGES.passwordReset, next: { href: '/connexion', label: 'Retour à la page de connexion' } });
    } catch (error) {
      return refused(request, reply, 'reset-password', { title: 'Nouveau mot de passe', token: values.token, passwordRule }, error, ['newPassword']);
    }
  });

  // The page the verification e-mail links to: one button confirms (a link scanner that only fetches the page spends nothing).
  app.get(frontEndPaths.verifyEmail, async (request, reply) => render(request, reply, 'verify-email', { title: 'Confirmer mon adresse e-mail', token: tokenOf(request.query) }));
  app.post(frontEndPaths.verifyEmail, async (request, reply) => {
    const values = formValues(request.body);
    try {
      const input = parseForm(emailConfirmationBody, nested(values, ['token']));
      await accounts.confirmEmail(deps, input.token, request.ip);
      return render(request, reply, 'done', {
        title: 'Adresse e-mail confirmée',
        text: accounts.ACCOUNT_MESSAGES.emailConfirmed,
        next: request.auth ? { href: '/espace', label: 'Continuer' } : { href: '/connexion', label: 'Aller à la page de connexion' },
      });
    } catch (error) {
      return refused(request, reply, 'verify-email', { title: 'Confirmer mon adresse e-mail', token: values.token }, error, []);
    }
  });

  // The candidate's home, as the guide's window after log-in: « M'inscrire à une sélection », « Mes inscriptions ».
  app.get('/espace', { config: anyone }, async (request, reply) => {
    if (request.auth!.account.role !== 'candidate') return reply.code(303).redirect(homeOf(request.auth!.account.role));
    return render(request, reply, 'space', { title: 'Mon espace', account: accounts.viewAccount(request.auth!.account), flash: noticeOf(request.query) });
  });

  // Operators read dossiers in the Temporal Web UI: this page says how, and where.
  app.get('/exploitation', { config: { pageRoles: ['operator', 'admin'] as const } }, async (request, reply) =>
    render(request, reply, 'operations', {
      title: 'Exploitation',
      account: accounts.viewAccount(request.auth!.account),
      temporalUi: app.deps.config.TEMPORAL_UI_ORIGINS[0],
      codecEndpoint: `${app.deps.config.PUBLIC_BASE_URL.replace(/\/$/, '')}${API_PREFIX}/temporal-codec`,
    }),
  );

  // The information notice, for anyone: linked from every page's footer, the sign-up form and the selections.
  app.get('/donnees-personnelles', async (request, reply) => render(request, reply, 'privacy-notice', { title: 'Vos données personnelles', notice }));

  // « Supprimer mon compte »: the password here, then the e-mailed link's page confirms.
  const erasurePage = (request: FastifyRequest) => ({ title: 'Supprimer mon compte', account: accounts.viewAccount(request.auth!.account), values: {} });
  app.get('/mon-compte/suppression', { config: candidate }, async (request, reply) => render(request, reply, 'account-erasure', erasurePage(request)));
  app.post('/mon-compte/suppression', { config: candidate }, async (request, reply) => {
    const values = formValues(request.body);
    try {
      const input = parseForm(erasureRequestBody, nested(values, ['currentPassword']));
      await accounts.requestErasure(deps, request.auth!, input.currentPassword);
      return reply.code(303).redirect('/mon-compte?message=suppression-demandee');
    } catch (error) {
      return refused(request, reply, 'account-erasure', erasurePage(request), error, ['currentPassword']);
    }
  });
  // One button confirms (a link scanner that only fetches the page erases nothing).
  app.get(frontEndPaths.confirmErasure, async (request, reply) => render(request, reply, 'account-erasure-confirm', { title: 'Confirmer la suppression de mon compte', token: tokenOf(request.query) }));
  app.post(frontEndPaths.confirmErasure, async (request, reply) => {
    const values = formValues(request.body);
    try {
      const input = parseForm(erasureConfirmationBody, nested(values, ['token']));
      await accounts.confirmErasure(deps, input.token, request.ip);
      clearSessionCookie(reply);
      return render(request, reply, 'done', { title: 'Suppression en cours', text: accounts.ACCOUNT_MESSAGES.erasureConfirmed, next: { href: '/', label: "Retour à l'accueil" } });
    } catch (error) {
      return refused(request, reply, 'account-erasure-confirm', { title: 'Confirmer la suppression de mon compte', token: values.token }, error, []);
    }
  });

  app.get('/mon-compte', { config: anyone }, async (request, reply) =>
    render(request, reply, 'account', { title: 'Mon compte', account: accounts.viewAccount(request.auth!.account), flash: noticeOf(request.query) }),
  );
  const accountPage = (request: FastifyRequest, title: string) => ({ title, account: accounts.viewAccount(request.auth!.account), passwordRule, values: {} });
  app.get('/mon-compte/mot-de-passe', { config: anyone }, async (request, reply) => render(request, reply, 'account-password', accountPage(request, 'Changer de mot de passe')));
  app.get('/mon-compte/adresse-email', { config: anyone }, async (request, reply) => render(request, reply, 'account-email', accountPage(request, "Changer d'adresse e-mail")));
  app.post('/mon-compte/mot-de-passe', { config: anyone }, async (request, reply) => {
    const values = formValues(request.body);
    try {
      const input = parseForm(passwordChangeBody, nested(values, ['currentPassword', 'newPassword']));
      await accounts.changePassword(deps, request.auth!, input.currentPassword, input.newPassword);
      return reply.code(303).redirect('/mon-compte?message=mot-de-passe-modifie');
    } catch (error) {
      return refused(request, reply, 'account-password', accountPage(request, 'Changer de mot de passe'), error, ['currentPassword', 'newPassword']);
    }
  });
  app.post('/mon-compte/adresse-email', { config: anyone }, async (request, reply) => {
    const values = formValues(request.body);
    try {
      const input = parseForm(emailChangeBody, nested(values, ['currentPassword', 'newEmail']));
      await accounts.changeEmail(deps, request.auth!, input.currentPassword, input.newEmail);
      return reply.code(303).redirect('/mon-compte?message=adresse-demandee');
    } catch (error) {
      return refused(request, reply, 'account-email', { ...accountPage(request, "Changer d'adresse e-mail"), values: { newEmail: values.newEmail } }, error, ['currentPassword', 'newEmail']);
    }
  });
  app.post('/mon-compte/confirmation', { config: candidate }, async (request, reply) => {
    try {
      await accounts.resendEmailVerification(deps, request.auth!);
      return reply.code(303).redirect('/espace?message=lien-envoye');
    } catch (error) {
      return refused(request, reply, 'space', { title: 'Mon espace', account: accounts.viewAccount(request.auth!.account) }, error, []);
    }
  });
}

/** Where each role starts: the candidate's space, the operators' page, or the office's console. */
export const homeOf = (role: string) => (role === 'candidate' ? '/espace' : role === 'operator' ? '/exploitation' : '/service');

function tokenOf(query: unknown): string {
  const token = (query as { token?: unknown } | undefined)?.token;
  return typeof token === 'string' ? token : '';
}
