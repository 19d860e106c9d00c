/**
 * Pages are rendered on the server with Eta, which escapes every `<%= %>`
 * (`<%~ %>` is kept for the layout's body and nothing else). Each page gets
 * the person logged in and the formatting helpers; a page sets its status.
 */
import { Eta } from 'eta';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { fileURLToPath } from 'node:url';
import { formatParisDateTime, parisDate } from '../domain/paris-time.js';
import { describeRetention } from '../domain/retention.js';
import type { Problem } from './forms.js';
import { PASSWORD_MIN_LENGTH } from '../domain/password-policy.js';
import { ACTION_LABELS, EMAIL_LABELS, LABELS } from './labels.js';

const eta = new Eta({ views: fileURLToPath(new URL('./views/', import.meta.url)), autoEscape: true, cache: process.env.NODE_ENV !== 'development', useWith: false });

const DAY_MS = 24 * 3600_000;
const dateOnly = new Intl.DateTimeFormat('fr-FR', { timeZone: 'Europe/Paris', dateStyle: 'long' });

/** Helpers the templates use: dates in Paris time, sizes, the time left before a deadline. */
export const format = {
  dateTime: (iso: string | Date) => formatParisDateTime(iso),
  date: (iso: string | Date) => dateOnly.format(typeof iso === 'string' ? new Date(iso) : iso),
  /** "plus que 3 jours" when the deadline is a week away or less; nothing otherwise (no ticking countdown). */
  timeLeft: (iso: string, now = Date.now()) => {
    const left = Date.parse(iso) - now;
    if (left <= 0 || left > 7 * DAY_MS) return '';
    const { year, month, day } = parisDate(new Date(iso));
    const today = parisDate(new Date(now));
    const days = Math.round((Date.UTC(year, month - 1, day) - Date.UTC(today.year, today.month - 1, today.day)) / DAY_MS);
    return days <= 0 ? "plus que quelques heures (aujourd'hui)" : `plus que ${days} jour${days > 1 ? 's' : ''}`;
  },
  /** A selection's retention periods as sentences: « dossier validé : 36 mois ». */
  retention: describeRetention,
  size: (bytes: number) => (bytes >= 1024 * 1024 ? `${(bytes / (1024 * 1024)).toFixed(1).replace('.', ',')} Mo` : `${Math.max(1, Math.round(bytes / 1024))} Ko`),
};

export interface PageData {
  /** The page's own title; the layout adds the site's name. */
  title: string;
  problem?: Problem | undefined;
  flash?: string | undefined;
  [key: string]: unknown;
}

/**
 * Renders `page` (under views/pages) in the layout. Its status: the given
 * one, else the problem's — a form refused for its content is a 422 (the
 * API's 400), a refusal of the dossier's state keeps its own (409…).
 */
export function render(request: FastifyRequest, reply: FastifyReply, page: string, data: PageData, status?: number) {
  const user = request.auth?.account;
  const model = { ...data, user: user ? { role: user.role, firstName: user.firstName, lastName: user.lastName } : null, format, labels: LABELS, actions: ACTION_LABELS, emails: EMAIL_LABELS, passwordMinLength: PASSWORD_MIN_LENGTH };
  const html = eta.render('./layout', { ...model, body: eta.render(`./pages/${page}`, model) });
  const problemStatus = data.problem ? (data.problem.statusCode === 400 ? 422 : data.problem.statusCode) : 200;
  if (data.problem?.headers) void reply.headers(data.problem.headers);
  return reply.code(status ?? problemStatus).type('text/html; charset=utf-8').send(html);
}
