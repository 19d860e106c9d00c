import { describe, expect, it } from 'vitest';
import {
  DOSSIER_ACTIONS,
  DOSSIER_STATUSES,
  type DossierAction,
  type DossierStatus,
  deadlineRefusal,
  effectiveDeadline,
  isEditable,
  LIVE_STATUSES,
  nextReminder,
  refusalOf,
  reminderIsDue,
  statusAfter,
} from '../../domain/dossier-lifecycle.js';

const NOW = Date.parse('2027-02-01T10:00:00Z');
const LATER = '2027-02-10T11:00:00.000Z';
const EARLIER = '2027-01-20T11:00:00.000Z';
const DAY = 24 * 3600_000;

const dossier = (status: DossierStatus, closesAt = LATER, deadline?: string) => ({ status, closesAt, ...(deadline ? { deadline } : {}) });

/** Every action, and the statuses it is allowed from while the deadline is ahead (product.md, "Dossier life cycle"). */
const ALLOWED_FROM: Record<DossierAction, DossierStatus[]> = {
  edit: ['DRAFT', 'CHANGES_REQUESTED'],
  declareComplete: ['DRAFT', 'CHANGES_REQUESTED'],
  declareIncomplete: ['DRAFT', 'CHANGES_REQUESTED'],
  withdraw: ['DRAFT', 'CHANGES_REQUESTED'],
  expire: ['DRAFT', 'CHANGES_REQUESTED'],
  reviewDocument: ['SUBMITTED'],
  validate: ['SUBMITTED'],
  requestChanges: ['SUBMITTED'],
  reject: ['SUBMITTED'],
  extendCandidateDeadline: ['DRAFT', 'SUBMITTED', 'CHANGES_REQUESTED'],
};

describe('dossier life cycle: which action each status allows', () => {
  for (const action of Object.keys(DOSSIER_ACTIONS) as DossierAction[]) {
    for (const status of DOSSIER_STATUSES) {
      const allowed = ALLOWED_FROM[action].includes(status);
      it(`${allowed ? 'allows' : 'refuses'} ${action} on a ${status} dossier before its deadline`, () => {
        const refusal = refusalOf(action, dossier(status), NOW);
        if (allowed) expect(refusal).toBeUndefined();
        else {
          expect(refusal?.code).toMatch(/^(DOSSIER_LOCKED|REGISTRATION_CLOSED|ILLEGAL_TRANSITION)$/);
          expect(refusal?.message).toMatch(/dossier|inscriptions|décision/i);
        }
      });
    }
  }

  it('moves the dossier where product.md says, and leaves it where it is otherwise', () => {
    expect(statusAfter('declareComplete', 'DRAFT')).toBe('SUBMITTED');
    expect(statusAfter('declareComplete', 'CHANGES_REQUESTED')).toBe('SUBMITTED');
    expect(statusAfter('declareIncomplete', 'DRAFT')).toBe('DRAFT');
    expect(statusAfter('withdraw', 'CHANGES_REQUESTED')).toBe('WITHDRAWN');
    expect(statusAfter('validate', 'SUBMITTED')).toBe('VALIDATED');
    expect(statusAfter('requestChanges', 'SUBMITTED')).toBe('CHANGES_REQUESTED');
    expect(statusAfter('reject', 'SUBMITTED')).toBe('REJECTED');
    expect(statusAfter('expire', 'DRAFT')).toBe('EXPIRED');
    expect(statusAfter('reviewDocument', 'SUBMITTED')).toBe('SUBMITTED');
  });

  it("refuses the candidate's actions once the deadline has passed, with REGISTRATION_CLOSED", () => {
    for (const action of ['edit', 'declareComplete', 'declareIncomplete', 'withdraw'] as const) {
      expect(refusalOf(action, dossier('DRAFT', EARLIER), NOW)?.code).toBe('REGISTRATION_CLOSED');
    }
    expect(refusalOf('edit', dossier('EXPIRED'), NOW)?.code).toBe('REGISTRATION_CLOSED');
    expect(refusalOf('edit', dossier('SUBMITTED'), NOW)?.code).toBe('DOSSIER_LOCKED');
  });

  it("keeps a dossier editable until the later of the selection's date and the candidate's own", () => {
    expect(isEditable(dossier('DRAFT', EARLIER), NOW)).toBe(false);
    expect(isEditable(dossier('DRAFT', EARLIER, LATER), NOW)).toBe(true);
    expect(isEditable(dossier('CHANGES_REQUESTED', EARLIER, LATER), NOW)).toBe(true);
    expect(effectiveDeadline({ closesAt: LATER, deadline: EARLIER })).toBe(LATER);
    expect(effectiveDeadline({ closesAt: EARLIER, deadline: LATER })).toBe(LATER);
    expect(isEditable(dossier('DRAFT', new Date(NOW).toISOString()), NOW)).toBe(false);
  });

  it('lets a deadline move only later', () => {
    expect(deadlineRefusal({ closesAt: LATER }, EARLIER)?.code).toBe('DEADLINE_NOT_LATER');
    expect(deadlineRefusal({ closesAt: LATER }, LATER)?.code).toBe('DEADLINE_NOT_LATER');
    expect(deadlineRefusal({ closesAt: EARLIER, deadline: LATER }, '2027-02-05T00:00:00Z')?.code).toBe('DEADLINE_NOT_LATER');
    expect(deadlineRefusal({ closesAt: LATER }, '2027-03-01T00:00:00Z')).toBeUndefined();
  });

  it('counts a dossier declared complete among those a new closing date concerns', () => {
    expect(LIVE_STATUSES).toEqual(['DRAFT', 'SUBMITTED', 'CHANGES_REQUESTED']);
  });
});

describe('reminders', () => {
  const closesAt = '2027-02-10T11:00:00.000Z';
  const base = { closesAt, reminderOffsetsDays: [7, 1], remindersSent: [] as string[] };

  it('schedules the earliest reminder still ahead, at its offset before the deadline', () => {
    const reminder = nextReminder(base, Date.parse(closesAt) - 10 * DAY);
    expect(reminder).toEqual({ key: `7:${closesAt}`, at: Date.parse(closesAt) - 7 * DAY, daysLeft: 7, closesAt });
  });

  it('skips a reminder whose time has passed, and one already sent', () => {
    expect(nextReminder(base, Date.parse(closesAt) - 3 * DAY)?.daysLeft).toBe(1);
    expect(nextReminder({ ...base, remindersSent: [`1:${closesAt}`] }, Date.parse(closesAt) - 3 * DAY)).toBeUndefined();
    expect(nextReminder(base, Date.parse(closesAt) - 1000)).toBeUndefined();
  });

  it('re-arms the reminders for a new deadline (their keys name the date)', () => {
    const sent = [`7:${closesAt}`, `1:${closesAt}`];
    const extended = '2027-02-20T11:00:00.000Z';
    expect(nextReminder({ ...base, remindersSent: sent }, Date.parse(closesAt) - 2 * DAY)).toBeUndefined();
    expect(nextReminder({ ...base, closesAt: extended, remindersSent: sent }, Date.parse(closesAt) - 2 * DAY)?.key).toBe(`7:${extended}`);
  });

  it("follows the candidate's own deadline when it is later", () => {
    const deadline = '2027-03-01T11:00:00.000Z';
    expect(nextReminder({ ...base, deadline }, Date.parse(closesAt))?.closesAt).toBe(deadline);
  });

  it('is due only at its time, for the deadline it was for, before that deadline', () => {
    const reminder = nextReminder(base, Date.parse(closesAt) - 10 * DAY)!;
    expect(reminderIsDue(reminder, base, reminder.at - 1)).toBe(false);
    expect(reminderIsDue(reminder, base, reminder.at)).toBe(true);
    expect(reminderIsDue(reminder, { closesAt: '2027-02-20T11:00:00.000Z' }, reminder.at)).toBe(false);
    expect(reminderIsDue(reminder, base, Date.parse(closesAt))).toBe(false);
  });
});
