import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { privacyNoticeSchema } from '../../accounts/privacy-notice.js';
import { createFileStore } from '../../db/files.js';
import { authOf, clearSessionCookie, requireAccount, requireCandidate, setSessionCookie } from '../auth.js';
import { sendStream } from '../downloads.js';
import {
  accountSchema,
  emailChangeBody,
  emailConfirmationBody,
  erasureConfirmationBody,
  erasureRequestBody,
  logInBody,
  messageSchema,
  passwordChangeBody,
  passwordResetBody,
  passwordResetConfirmationBody,
  signUpBody,
} from '../schemas/account.js';
import { errorResponses, fileResponse, sessionSecurity } from '../schemas/common.js';
import { exportPersonalData } from '../services/data-export.js';
import * as accounts from '../services/accounts.js';

const secured = sessionSecurity;

export const accountRoutes: FastifyPluginAsyncZod = async (app) => {
  const deps = accounts.accountServiceDeps(app);
  const files = createFileStore(app.deps.database.connection);

  app.post(
    '/auth/signup',
    {
      schema: {
        tags: ['accounts'],
        summary: "« S'inscrire à une formation » : créer un compte candidat",
        description:
          'Creates a candidate account and e-mails a verification link; the account records the version of the information notice (`privacyNotice`, in the answer too). The answer does not say whether the e-mail was already used ' +
          '(its owner is told by e-mail instead); a taken identifier is a 409. The candidate may log in and fill dossiers at once.',
        body: signUpBody,
        response: { 202: z.object({ message: z.string(), privacyNotice: privacyNoticeSchema }), ...errorResponses(400, 409, 429, 503) },
      },
    },
    async (request, reply) => {
      await accounts.signUp(deps, request.body, request.ip);
      return reply.code(202).send({ message: accounts.ACCOUNT_MESSAGES.signedUp, privacyNotice: app.privacyNotice });
    },
  );

  app.get(
    '/privacy-notice',
    {
      schema: {
        tags: ['accounts'],
        summary: 'La notice d’information sur les données personnelles (à montrer avant l’inscription)',
        description: 'Purpose, legal basis, who reads the data, retention, rights, contacts. Send its `version` with the sign-up.',
        response: { 200: privacyNoticeSchema },
      },
    },
    async () => app.privacyNotice,
  );

  app.post(
    '/auth/login',
    {
      schema: {
        tags: ['accounts'],
        summary: '« Connexion » : identifiant (ou e-mail) et mot de passe',
        description:
          'Opens a session. `client: "browser"` (the default) sets the HttpOnly cookie and keeps the token out of the body, ' +
          'where page scripts could read it; `client: "api"` returns the token for an `Authorization: Bearer` header and sets no cookie.',
        body: logInBody,
        response: { 200: z.object({ account: accountSchema, token: z.string().optional(), expiresAt: z.iso.datetime() }), ...errorResponses(400, 401, 409, 429) },
      },
    },
    async (request, reply) => {
      const session = await accounts.logIn(deps, request.body.login, request.body.password, request.ip);
      const expiresAt = session.expiresAt.toISOString();
      if (request.body.client === 'api') return { account: session.account, token: session.token, expiresAt };
      setSessionCookie(reply, session.token);
      return { account: session.account, expiresAt };
    },
  );

  app.post(
    '/auth/logout',
    {
      onRequest: requireAccount,
      schema: { tags: ['accounts'], summary: 'Se déconnecter', security: secured, response: { 204: z.null().describe('Logged out.'), ...errorResponses(401) } },
    },
    async (request, reply) => {
      await accounts.logOut(deps, authOf(request).sessionId);
      return clearSessionCookie(reply).code(204).send(null);
    },
  );

  app.post(
    '/auth/email-verification',
    {
      onRequest: requireAccount,
      schema: {
        tags: ['accounts'],
        summary: "Renvoyer le lien de confirmation de l'adresse e-mail",
        security: secured,
        response: { 202: messageSchema, ...errorResponses(401, 429, 503) },
      },
    },
    async (request, reply) => {
      const outcome = await accounts.resendEmailVerification(deps, authOf(request));
      return reply.code(202).send({
        message: outcome === 'sent' ? accounts.ACCOUNT_MESSAGES.verificationSent : accounts.ACCOUNT_MESSAGES.alreadyVerified,
      });
    },
  );

  app.post(
    '/auth/email-verification/confirm',
    {
      schema: {
        tags: ['accounts'],
        summary: "Confirmer l'adresse e-mail (lien reçu par e-mail)",
        description: 'The front-end page opened by the e-mailed link posts its `token` here. Works once.',
        body: emailConfirmationBody,
        response: { 200: z.object({ message: z.string(), account: accountSchema }), ...errorResponses(400, 409, 429, 503) },
      },
    },
    async (request) => {
      const account = await accounts.confirmEmail(deps, request.body.token, request.ip);
      return { message: accounts.ACCOUNT_MESSAGES.emailConfirmed, account };
    },
  );

  app.post(
    '/auth/password-reset',
    {
      schema: {
        tags: ['accounts'],
        summary: '« Réinitialiser mon mot de passe » : identifiant et e-mail',
        description: 'Always the same answer, whether or not the identifier and e-mail match an account.',
        body: passwordResetBody,
        response: { 202: messageSchema, ...errorResponses(400, 429, 503) },
      },
    },
    async (request, reply) => {
      await accounts.requestPasswordReset(deps, request.body.identifier, request.body.email, request.ip);
      return reply.code(202).send({
        message: accounts.ACCOUNT_MESSAGES.resetRequested,
      });
    },
  );

  app.post(
    '/auth/password-reset/confirm',
    {
      schema: {
        tags: ['accounts'],
        summary: 'Choisir un nouveau mot de passe (lien reçu par e-mail)',
        description: 'Works once. Ends every session of the account and confirms the change by e-mail.',
        body: passwordResetConfirmationBody,
        response: { 200: messageSchema, ...errorResponses(400, 429, 503) },
      },
    },
    async (request) => {
      await accounts.confirmPasswordReset(deps, request.body.token, request.body.newPassword, request.ip);
      return { message: accounts.ACCOUNT_MESSAGES.passwordReset };
    },
  );

  app.get(
    '/me',
    {
      onRequest: requireAccount,
      schema: { tags: ['accounts'], summary: 'Mon compte', security: secured, response: { 200: accountSchema, ...errorResponses(401) } },
    },
    async (request) => accounts.viewAccount(authOf(request).account),
  );

  app.post(
    '/me/password',
    {
      onRequest: requireAccount,
      schema: {
        tags: ['accounts'],
        summary: 'Changer de mot de passe',
        description: 'Needs the current password. Ends the other sessions and confirms by e-mail.',
        security: secured,
        body: passwordChangeBody,
        response: { 200: messageSchema, ...errorResponses(400, 401, 429, 503) },
      },
    },
    async (request) => {
      await accounts.changePassword(deps, authOf(request), request.body.currentPassword, request.body.newPassword);
      return { message: accounts.ACCOUNT_MESSAGES.passwordChanged };
    },
  );

  app.post(
    '/me/email',
    {
      onRequest: requireAccount,
      schema: {
        tags: ['accounts'],
        summary: "Changer d'adresse e-mail",
        description: 'Needs the current password. The new address replaces the old one once its verification link is opened.',
        security: secured,
        body: emailChangeBody,
        response: { 202: messageSchema, ...errorResponses(400, 401, 429, 503) },
      },
    },
    async (request, reply) => {
      await accounts.changeEmail(deps, authOf(request), request.body.currentPassword, request.body.newEmail);
      return reply.code(202).send({ message: accounts.ACCOUNT_MESSAGES.emailChangeRequested });
    },
  );

  app.get(
    '/me/data-export',
    {
      onRequest: requireCandidate,
      schema: {
        tags: ['accounts'],
        summary: '« Télécharger mes données » : le compte, chaque dossier, ses pièces et son récapitulatif PDF, en une archive ZIP',
        description:
          '`mes-donnees.json` (the account, every dossier as stored with the office’s reviews and audit trail, the staff’s reads of each, the retention periods), ' +
          'and per dossier a folder with `recapitulatif.pdf` and its files. Streamed.',
        security: secured,
        response: { 200: fileResponse('The archive.', ['application/zip']), ...errorResponses(401, 403) },
      },
    },
    async (request, reply) => {
      const { filename, zip } = await exportPersonalData(app.deps.database.models, files, authOf(request));
      return sendStream(reply, 'application/zip', filename, zip);
    },
  );

  app.post(
    '/me/erasure',
    {
      onRequest: requireCandidate,
      schema: {
        tags: ['accounts'],
        summary: '« Supprimer mon compte » : mot de passe, puis confirmation par le lien envoyé par e-mail',
        description:
          'Refused (409 `ERASURE_REFUSED`) while a dossier is under review or validated: the school keeps it for the selection, and the office handles the request. ' +
          'Otherwise e-mails a link, valid one hour; opening it (`POST /me/erasure/confirm`) withdraws the open dossiers, then erases the account, its dossiers, ' +
          'their files and their workflow histories. Staff accounts are removed by an administrator.',
        security: secured,
        body: erasureRequestBody,
        response: { 202: messageSchema, ...errorResponses(400, 401, 403, 409, 429, 503) },
      },
    },
    async (request, reply) => {
      await accounts.requestErasure(deps, authOf(request), request.body.currentPassword);
      return reply.code(202).send({ message: accounts.ACCOUNT_MESSAGES.erasureRequested });
    },
  );

  app.post(
    '/me/erasure/confirm',
    {
      schema: {
        tags: ['accounts'],
        summary: 'Confirmer la suppression du compte (lien reçu par e-mail)',
        description: 'Works once. Ends every session at once; the erasure itself runs as a durable workflow and ends with an e-mail.',
        body: erasureConfirmationBody,
        response: { 202: messageSchema, ...errorResponses(400, 409, 429, 503) },
      },
    },
    async (request, reply) => {
      await accounts.confirmErasure(deps, request.body.token, request.ip);
      return clearSessionCookie(reply).code(202).send({ message: accounts.ACCOUNT_MESSAGES.erasureConfirmed });
    },
  );
};
