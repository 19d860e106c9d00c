import type { FastifyInstance } from 'fastify';
import { AppError } from './errors.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Other sites a route serves (with the CORS it sets up): the Temporal Web UI's, for the codec. */
    allowedOrigins?: readonly string[];
  }
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Refuses state-changing requests that a browser sent from another site.
 * SameSite=Lax already keeps the session cookie off cross-site POSTs; this
 * also covers sibling sub-domains (same site) and log-in CSRF. Clients that
 * are not browsers send no Origin header and are not affected.
 */
export function registerOriginCheck(app: FastifyInstance, publicBaseUrl: string): void {
  const allowed = new URL(publicBaseUrl).origin;
  app.addHook('onRequest', async (request) => {
    const origin = request.headers.origin;
    if (SAFE_METHODS.has(request.method) || origin === undefined || origin === allowed) return;
    if (request.routeOptions.config.allowedOrigins?.includes(origin)) return;
    throw new AppError('CROSS_ORIGIN_REFUSED', "Cette requête provient d'un autre site : elle a été refusée.");
  });
}
