/**
 * The web front end: server-rendered pages in French, under "/", beside the
 * JSON API under "/api". Pages hold no rule: their handlers call the same
 * services as the JSON routes and show the same refusals. Every page works
 * without JavaScript; /static/app.js only adds conveniences.
 */
import fastifyFormbody from '@fastify/formbody';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { errorBodyOf } from '../api/error-handler.js';
import { AppError } from '../api/errors.js';
import { sessionOf } from '../api/auth.js';
import type { AccountRole } from '../db/models.js';
import { loginNextOf } from './forms.js';
import { render } from './render.js';
import { accountPages } from './routes/accounts.js';
import { dossierPages } from './routes/dossiers.js';
import { officePages } from './routes/office.js';
import { publicPages } from './routes/public.js';

/**
 * No inline script or style, no third party: what runs on a page is ours.
 * Uploaded files are never shown inside a page (they are downloads), so no
 * frame or object source is needed.
 */
const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  // pdf.js, in the office's console: its worker, and the documents it fetches.
  "worker-src 'self'",
  "connect-src 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join('; ');

/**
 * The assets, read and compressed once at start and served from memory: ours,
 * and pdf.js (Mozilla, Apache 2.0) for the office's console only.
 */
const pdfjsBuild = (name: string) => new URL(import.meta.resolve(`pdfjs-dist/build/${name}`));
const ASSETS = new Map<string, { bytes: Buffer; gzip: Buffer; type: string }>(
  (
    [
      ['site.css', new URL('./assets/site.css', import.meta.url)],
      ['app.js', new URL('./assets/app.js', import.meta.url)],
      ['office.js', new URL('./assets/office.js', import.meta.url)],
      ['pdfjs/pdf.min.mjs', pdfjsBuild('pdf.min.mjs')],
      ['pdfjs/pdf.worker.min.mjs', pdfjsBuild('pdf.worker.min.mjs')],
    ] as const
  ).map(([name, file]) => {
    const bytes = readFileSync(file);
    return [name, { bytes, gzip: gzipSync(bytes, { level: 9 }), type: name.endsWith('.css') ? 'text/css; charset=utf-8' : 'text/javascript; charset=utf-8' }] as const;
  }),
);

declare module 'fastify' {
  interface FastifyContextConfig {
    /** For pages: the roles that may see it (a person not logged in is sent to the log-in page). */
    pageRoles?: readonly AccountRole[];
  }
}

/** Where a person not logged in is sent, coming back afterwards to `next`. */
export const loginPath = (next?: string) => {
  const local = loginNextOf({ suite: next });
  return local ? `/connexion?suite=${encodeURIComponent(local)}` : '/connexion';
};

/** The path of a page of this site named by a full address (a Referer), if it is one. */
function sameSitePath(address: string | undefined, publicBaseUrl: string): string | undefined {
  if (!address) return undefined;
  try {
    const url = new URL(address);
    return url.origin === new URL(publicBaseUrl).origin ? `${url.pathname}${url.search}` : undefined;
  } catch {
    return undefined;
  }
}

export async function webPages(app: FastifyInstance): Promise<void> {
  // Pages are for people: the OpenAPI document describes the JSON API only.
  app.addHook('onRoute', (route) => {
    route.schema = { ...route.schema, hide: true };
  });
  await app.register(fastifyFormbody, { bodyLimit: 64 * 1024 });

  app.addHook('onSend', async (request, reply, payload) => {
    if (String(reply.getHeader('content-type') ?? '').startsWith('text/html')) {
      reply.header('content-security-policy', CONTENT_SECURITY_POLICY);
      reply.header('x-content-type-options', 'nosniff');
      reply.header('referrer-policy', 'same-origin');
      reply.header('x-frame-options', 'DENY');
      // Pages show personal data: never kept by a shared cache, nor by the browser's back button after log-out.
      reply.header('cache-control', 'no-store');
    }
    return payload;
  });

  // Who is there, for every page; the pages that need someone say so in `config.pageRoles`.
  app.addHook('onRequest', async (request, reply) => {
    if (request.url.startsWith('/static/')) return;
    request.auth = await sessionOf(request);
    const roles = request.routeOptions.config.pageRoles;
    if (!roles) return;
    // Back after logging in: to this page; a form's address has no page of its own, so to the page the form was on.
    if (!request.auth) return reply.code(303).redirect(loginPath(request.method === 'GET' ? request.url : sameSitePath(request.headers.referer, request.server.deps.config.PUBLIC_BASE_URL)));
    if (!roles.includes(request.auth.account.role as AccountRole)) return showError(request, reply, 403);
  });

  app.get('/static/*', async (request, reply) => {
    const asset = ASSETS.get((request.params as { '*': string })['*']);
    if (!asset) return showError(request, reply, 404);
    const gzip = /\bgzip\b/.test(String(request.headers['accept-encoding'] ?? ''));
    reply.header('cache-control', 'public, max-age=3600').header('vary', 'accept-encoding').type(asset.type);
    if (gzip) reply.header('content-encoding', 'gzip');
    return reply.send(gzip ? asset.gzip : asset.bytes);
  });

  app.setNotFoundHandler((request, reply) => showError(request, reply, 404));
  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (error instanceof AppError) void reply.headers(error.headers);
    const body = errorBodyOf(error, (unexpected) => request.log.error({ err: unexpected }, 'unhandled error on a page'));
    return showError(request, reply, body.statusCode, body.message);
  });

  await app.register(publicPages);
  await app.register(accountPages);
  await app.register(dossierPages);
  await app.register(officePages);
}

const ERROR_PAGES: Record<number, { title: string; text: string }> = {
  403: { title: 'Accès refusé', text: "Cette page ne vous est pas accessible. Si vous pensez qu'il s'agit d'une erreur, contactez le service sélection." },
  404: { title: 'Page introuvable', text: "Cette page n'existe pas, ou elle ne vous est pas accessible. Vérifiez l'adresse, ou repartez de l'accueil." },
  500: { title: 'Erreur interne', text: 'Une erreur inattendue est survenue. Elle a été enregistrée ; réessayez plus tard.' },
  503: { title: 'Service momentanément indisponible', text: 'Le service est momentanément indisponible : réessayez dans quelques instants. Ce que vous aviez enregistré n’est pas perdu.' },
};

/** An error page: 403, 404, 503 (réessayez), 500; any other client error shows its message. */
export function showError(request: FastifyRequest, reply: FastifyReply, status: number, message?: string) {
  const known = ERROR_PAGES[status] ?? (status >= 500 ? ERROR_PAGES[500]! : { title: 'Demande refusée', text: message ?? 'La demande ne peut pas être traitée.' });
  if (status === 503) reply.header('retry-after', '5');
  // A 404 says no more than that (nothing to learn by probing); a 5xx never shows its cause.
  return render(request, reply, 'error', { title: known.title, text: status === 404 || status >= 500 ? known.text : (message ?? known.text), status }, status);
}
