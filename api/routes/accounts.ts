import type { FastifyInstance, FastifyReply } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { authOf, requireAccount, sessionCookieOf, sessionPolicyOf } from '../auth.js';
import { defaultRateRules } from '../rate-rules.js';
import { accountSchema, emailSchema, identifierSchema, messageSchema, nameSchema, passwordSchema, tokenSchema } from '../schemas/account.js';
import { errorResponses, sessionSecurity } from '../schemas/common.js';
import * as accounts from '../services/accounts.js';

const secured = sessionSecurity;

function serviceDeps(app: FastifyInstance): accounts.AccountServiceDeps {
  const { database, temporal, config, rateRules } = app.deps;
  return {
    models: database.models,
    temporal,
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    temporalTimeoutMs: config.WORKFLOW_UPDATE_TIMEOUT_MS,
    sessionPolicy: sessionPolicyOf(config),
    rateRules: { ...defaultRateRules, ...rateRules },
  };
}

export const accountRoutes: FastifyPluginAsyncZod = async (app) => {
  const deps = serviceDeps(app);
  const { config } = app.deps;
  const cookie = sessionCookieOf(config);

  const setSessionCookie = (reply: FastifyReply, token: string) =>
    reply.setCookie(cookie.name, token, {
      httpOnly: true,
      secure: cookie.secure,
      sameSite: 'lax',
      path: '/',
      maxAge: config.SESSION_MAX_HOURS * 3600,
    });

  app.post(
    '/auth/signup',
    {
      schema: {
        tags: ['accounts'],
        summary: "« S'inscrire à une formation » : créer un compte candidat",
        description:
          'Creates a candidate account and e-mails a verification link. The answer does not say whether the e-mail was already used ' +
          '(its owner is told by e-mail instead); a taken identifier is a 409. The candidate may log in and fill dossiers at once.',
        body: z.object({
          identifier: identifierSchema,
          email: emailSchema,
          password: passwordSchema,
          firstName: nameSchema('prénom'),
          lastName: nameSchema('nom'),
        }),
        response: { 202: messageSchema, ...errorResponses(400, 409, 429, 503) },
      },
    },
    async (request, reply) => {
      await accounts.signUp(deps, request.body, request.ip);
      return reply.code(202).send({
        message: 'Votre compte est créé. Un e-mail vous a été envoyé pour confirmer votre adresse ; vous pouvez dès maintenant vous connecter.',
      });
    },
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
        body: z.object({
          login: z.string().trim().min(1, 'identifiant obligatoire').max(254),
          password: passwordSchema,
          client: z.enum(['browser', 'api']).default('browser'),
        }),
        response: { 200: z.object({ account: accountSchema, token: z.string().optional(), expiresAt: z.iso.datetime() }), ...errorResponses(400, 401, 429) },
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
      return reply.clearCookie(cookie.name, { path: '/', secure: cookie.secure }).code(204).send(null);
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
        message: outcome === 'sent' ? 'Un nouveau lien de confirmation vous a été envoyé.' : 'Votre adresse e-mail est déjà confirmée.',
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
        body: z.object({ token: tokenSchema }),
        response: { 200: z.object({ message: z.string(), account: accountSchema }), ...errorResponses(400, 409, 429, 503) },
      },
    },
    async (request) => {
      const account = await accounts.confirmEmail(deps, request.body.token, request.ip);
      return { message: 'Votre adresse e-mail est confirmée.', account };
    },
  );

  app.post(
    '/auth/password-reset',
    {
      schema: {
        tags: ['accounts'],
        summary: '« Réinitialiser mon mot de passe » : identifiant et e-mail',
        description: 'Always the same answer, whether or not the identifier and e-mail match an account.',
        body: z.object({ identifier: z.string().trim().min(1, 'identifiant obligatoire').max(64), email: emailSchema }),
        response: { 202: messageSchema, ...errorResponses(400, 429, 503) },
      },
    },
    async (request, reply) => {
      await accounts.requestPasswordReset(deps, request.body.identifier, request.body.email, request.ip);
      return reply.code(202).send({
        message:
          "Si ces informations correspondent à un compte, un e-mail contenant un lien de réinitialisation vient d'être envoyé. Le lien est valable une heure.",
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
        body: z.object({ token: tokenSchema, newPassword: passwordSchema }),
        response: { 200: messageSchema, ...errorResponses(400, 429, 503) },
      },
    },
    async (request) => {
      await accounts.confirmPasswordReset(deps, request.body.token, request.body.newPassword, request.ip);
      return { message: 'Votre mot de passe est modifié. Retournez à la page de connexion pour vous connecter.' };
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
        body: z.object({ currentPassword: passwordSchema, newPassword: passwordSchema }),
        response: { 200: messageSchema, ...errorResponses(400, 401, 429, 503) },
      },
    },
    async (request) => {
      await accounts.changePassword(deps, authOf(request), request.body.currentPassword, request.body.newPassword);
      return { message: 'Votre mot de passe est modifié. Vos autres sessions ont été fermées.' };
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
        body: z.object({ currentPassword: passwordSchema, newEmail: emailSchema }),
        response: { 202: messageSchema, ...errorResponses(400, 401, 429, 503) },
      },
    },
    async (request, reply) => {
      await accounts.changeEmail(deps, authOf(request), request.body.currentPassword, request.body.newEmail);
      return reply.code(202).send({ message: 'Un lien de confirmation a été envoyé à la nouvelle adresse. Elle remplacera l’ancienne une fois confirmée.' });
    },
  );
};
