import fastifyCookie from '@fastify/cookie';
import fastifyMultipart from '@fastify/multipart';
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import type { Client } from '@temporalio/client';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import { serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import { loadPrivacyNotice, type PrivacyNotice } from '../accounts/privacy-notice.js';
import type { Database } from '../db/connection.js';
import type { Mailer } from '../mail/transport.js';
import type { ApiConfig } from './config.js';
import { registerErrorHandling } from './error-handler.js';
import { AppError } from './errors.js';
import { registerScopeCheck } from './access.js';
import { openApiTransform, openApiTransformObject } from './openapi.js';
import { registerOriginCheck } from './origin-check.js';
import { API_PREFIX } from './prefix.js';
import type { RateRules } from './rate-rules.js';
import { accountRoutes } from './routes/accounts.js';
import { staffRoutes } from './routes/staff.js';
import { dossierRoutes } from './routes/dossiers.js';
import { healthRoutes } from './routes/health.js';
import { selectionRoutes } from './routes/selections.js';
import { temporalCodecRoutes } from './routes/temporal-codec.js';
import { webPages } from '../web/plugin.js';

export interface AppDependencies {
  config: Pick<
    ApiConfig,
    'WORKFLOW_UPDATE_TIMEOUT_MS' | 'TEMPORAL_TASK_QUEUE' | 'SESSION_IDLE_MINUTES' | 'SESSION_MAX_HOURS' | 'COOKIE_SECURE' | 'PUBLIC_BASE_URL' | 'UPLOAD_MAX_MB' | 'TEMPORAL_UI_ORIGINS' | 'PRIVACY_NOTICE_FILE'
  >;
  database: Database;
  temporal: Client;
  mailer: Pick<Mailer, 'verify'>;
  /** Tests tighten or loosen limits; production uses the defaults. */
  rateRules?: Partial<RateRules>;
}

declare module 'fastify' {
  interface FastifyInstance {
    deps: AppDependencies;
    /** The information notice shown at sign-up, read and checked at start. */
    privacyNotice: PrivacyNotice;
    routeTable: { method: string; url: string }[];
  }
}

/**
 * Multipart bounds for every route, in one place: @fastify/multipart ignores
 * Fastify's bodyLimit. The file size is set per upload (UPLOAD_MAX_MB).
 */
const multipartLimits = { files: 1, fields: 5, fieldSize: 1024, parts: 6, headerPairs: 100 };

/**
 * The HTTP API as a Fastify instance, without listening: api/server.ts listens,
 * tests use `app.inject`. Stateless, so several processes can share the load.
 */
export async function buildApp(deps: AppDependencies, options: FastifyServerOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({ logger: false, ...options }).withTypeProvider<ZodTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.decorate('deps', deps);
  app.decorate('privacyNotice', loadPrivacyNotice(deps.config.PRIVACY_NOTICE_FILE));
  // Every route as registered (tests check the OpenAPI document leaves none out).
  const routeTable: { method: string; url: string }[] = [];
  app.decorate('routeTable', routeTable);
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) routeTable.push({ method, url: route.url });
  });
  // Many clients send `Content-Type: application/json` on every request, a body or not: an empty
  // one is no body (the route's schema says whether it needs one), not a 400 of its own.
  // Fastify's own parser does the parsing (it refuses __proto__ and constructor.prototype keys).
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    if (body === '') return done(null, undefined);
    parseJson(request, body as string, (error, value) => (error ? done(new AppError('BAD_REQUEST', "Le corps de la requête n'est pas du JSON valide."), undefined) : done(null, value)));
  });
  registerOriginCheck(app, deps.config.PUBLIC_BASE_URL);

  await app.register(fastifyCookie);
  app.decorateRequest('auth', null);
  registerScopeCheck(app);
  await app.register(fastifyMultipart, { limits: { ...multipartLimits, fileSize: deps.config.UPLOAD_MAX_MB * 1024 * 1024 } });
  await app.register(fastifySwagger, {
    openapi: {
      info: {
        title: 'Candidature API',
        version: '0.1.0',
        description:
          "Inscription aux sélections d'une école de formation au travail social : comptes, dossiers d'inscription, service sélection. " +
          'The JSON API lives under `/api`; this document is `/api/docs/json`. ' +
          'Every error answers `{ statusCode, code, message, details? }`: `code` is stable for programs, `message` is French for people, ' +
          'and each item of `details` names a field (`field`), its rule (`code`) and a French `message` to show next to it.\n\n' +
          'Authentication: `POST /auth/login` opens a server-side session. Browsers get it as the HttpOnly, SameSite=Lax cookie ' +
          '`candidature_session` (`__Host-candidature_session`, Secure, under HTTPS); other clients ask with `client: "api"` for the token ' +
          'and send it as `Authorization: Bearer <token>`. Log-out, a password change (other sessions) and a password reset (all sessions) ' +
          'end sessions on the server. State-changing requests carrying an `Origin` other than the site’s own are refused (403).',
      },
      components: {
        securitySchemes: {
          sessionCookie: { type: 'apiKey', in: 'cookie', name: 'candidature_session' },
          bearer: { type: 'http', scheme: 'bearer' },
        },
      },
      tags: [
        { name: 'health', description: 'État des services' },
        { name: 'accounts', description: 'Comptes : inscription, connexion, mot de passe oublié' },
        { name: 'staff', description: 'Service sélection' },
        { name: 'selections', description: 'Sélections ouvertes' },
        { name: 'dossiers', description: "Dossiers d'inscription" },
        { name: 'operations', description: 'Exploitation : le codec du Temporal Web UI' },
      ],
    },
    transform: openApiTransform,
    transformObject: openApiTransformObject,
  });
  await app.register(fastifySwaggerUi, { routePrefix: `${API_PREFIX}/docs` });

  await app.register(
    async (api) => {
      registerErrorHandling(api);
      await api.register(healthRoutes);
      await api.register(accountRoutes);
      await api.register(staffRoutes);
      await api.register(selectionRoutes);
      await api.register(dossierRoutes);
      await api.register(temporalCodecRoutes);
    },
    { prefix: API_PREFIX },
  );
  // The pages, under "/": their own error and 404 pages (HTML), the JSON API keeping its own.
  await app.register(webPages);
  return app;
}
