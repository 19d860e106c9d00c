import { describe, expect, it } from 'vitest';
import { DEFAULT_RETENTION_MONTHS, describeRetention, erasureDueAt, retentionMonthsSchema, retentionOf } from '../../domain/retention.js';

const closesAt = new Date('2027-03-31T22:00:00Z');

describe('retention rules', () => {
  it('counts from the later of the closing date and the end of the dossier, per outcome', () => {
    expect(erasureDueAt({ status: 'WITHDRAWN', endedAt: new Date('2027-01-10T00:00:00Z') }, { closesAt })).toEqual(new Date('2027-09-30T22:00:00Z'));
    expect(erasureDueAt({ status: 'VALIDATED', endedAt: new Date('2027-05-02T08:00:00Z') }, { closesAt })).toEqual(new Date('2030-05-02T08:00:00Z'));
    expect(erasureDueAt({ status: 'REJECTED', endedAt: null }, { closesAt, retentionMonths: { REJECTED: 2 } })).toEqual(new Date('2027-05-31T22:00:00Z'));
  });

  it('never purges a live dossier', () => {
    for (const status of ['DRAFT', 'SUBMITTED', 'CHANGES_REQUESTED'] as const) expect(erasureDueAt({ status, endedAt: new Date(0) }, { closesAt: new Date(0) })).toBeNull();
  });

  it("keeps the defaults for the outcomes a selection leaves out, and says them in French", () => {
    expect(retentionOf({ retentionMonths: { VALIDATED: 60 } })).toEqual({ ...DEFAULT_RETENTION_MONTHS, VALIDATED: 60 });
    expect(describeRetention(DEFAULT_RETENTION_MONTHS)).toEqual([
      'dossier validé : 36 mois',
      'dossier non retenu : 12 mois',
      'dossier retiré par le candidat : 6 mois',
      'dossier non déclaré complet à la date limite : 6 mois',
    ]);
    const refused = retentionMonthsSchema.partial().safeParse({ WITHDRAWN: 0 });
    expect(refused.success).toBe(false);
    expect(refused.error?.issues[0]?.message).toBe('au moins 1 mois');
  });
});
