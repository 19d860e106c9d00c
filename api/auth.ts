import type { FastifyReply, FastifyRequest } from 'fastify';
import { resolveSession, type SessionPolicy } from '../accounts/sessions.js';
import type { AccountRecord, AccountRole } from '../db/models.js';
import { errors } from './errors.js';

/**
 * Sessions reach the API two ways: an HttpOnly, SameSite=Lax cookie for
 * browsers (Secure under HTTPS), or `Authorization: Bearer <token>` for other
 * clients. Both carry the same server-side session, revocable at any time.
 */
const SESSION_COOKIE = 'candidature_session';

/**
 * Under HTTPS the cookie is Secure and named with the __Host- prefix, which
 * browsers accept only from this exact host, over HTTPS, for path "/": a
 * sibling sub-domain cannot plant a session. Plain HTTP (local use) gets the
 * bare name, which browsers would otherwise refuse.
 */
export function sessionCookieOf(config: { COOKIE_SECURE?: boolean | undefined; PUBLIC_BASE_URL: string }) {
  const secure = config.COOKIE_SECURE ?? config.PUBLIC_BASE_URL.startsWith('https:');
  return { name: secure ? `__Host-${SESSION_COOKIE}` : SESSION_COOKIE, secure };
}

export interface AuthContext {
  sessionId: string;
  account: AccountRecord & { _id: string };
}

declare module 'fastify' {
  interface FastifyRequest {
    auth: AuthContext | null;
  }
}

/** Opens the browser's session: HttpOnly, SameSite=Lax, Secure under HTTPS, for the session's whole life. */
export function setSessionCookie(reply: FastifyReply, token: string): FastifyReply {
  const { config } = reply.server.deps;
  const cookie = sessionCookieOf(config);
  return reply.setCookie(cookie.name, token, { httpOnly: true, secure: cookie.secure, sameSite: 'lax', path: '/', maxAge: config.SESSION_MAX_HOURS * 3600 });
}

export function clearSessionCookie(reply: FastifyReply): FastifyReply {
  const cookie = sessionCookieOf(reply.server.deps.config);
  return reply.clearCookie(cookie.name, { path: '/', secure: cookie.secure });
}

export function sessionTokenOf(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (header?.startsWith('Bearer ')) return header.slice('Bearer '.length).trim() || undefined;
  return request.cookies[sessionCookieOf(request.server.deps.config).name] || undefined;
}

export function sessionPolicyOf(config: { SESSION_IDLE_MINUTES: number; SESSION_MAX_HOURS: number }): SessionPolicy {
  return { idleMs: config.SESSION_IDLE_MINUTES * 60_000, absoluteMs: config.SESSION_MAX_HOURS * 3_600_000 };
}

/**
 * An onRequest hook admitting only the given roles: 401 without a valid
 * session, 403 for another role, before the body is read (an anonymous client
 * cannot make the API parse or stream anything).
 */
export function requireRole(...roles: AccountRole[]) {
  return async function authorize(request: FastifyRequest, _reply: FastifyReply): Promise<void> {
    const auth = await sessionOf(request);
    if (!auth) throw errors.unauthenticated();
    if (!roles.includes(auth.account.role as AccountRole)) throw errors.forbidden(roles.includes('operator') ? 'operations' : roles.includes('candidate') ? 'candidates' : 'office');
    request.auth = auth;
  };
}

/** The request's live session (cookie or bearer token), if any. */
export async function sessionOf(request: FastifyRequest): Promise<AuthContext | null> {
  const token = sessionTokenOf(request);
  const { database, config } = request.server.deps;
  return token ? ((await resolveSession(database.models, token, sessionPolicyOf(config))) as AuthContext | null) : null;
}

export const requireAccount = requireRole('candidate', 'office', 'admin', 'operator');
export const requireCandidate = requireRole('candidate');
/** A dossier's own pages and files: its candidate, or the office (operators read the Temporal Web UI instead). */
export const requireDossierReader = requireRole('candidate', 'office', 'admin');
export const requireStaff = requireRole('office', 'admin');

/** The authenticated context set by a requireRole hook. */
export function authOf(request: FastifyRequest): AuthContext {
  if (!request.auth) throw errors.unauthenticated();
  return request.auth;
}
