import { describe, expect, it } from 'vitest';
import { dossierSchema, OFFICE_ONLY_FIELDS } from '../../api/schemas/dossier.js';
import { viewDossier } from '../../api/services/dossier-view.js';
import { type DossierState, dossierStateSchema } from '../../domain/dossier-record.js';
import { civilStatus } from '../support/fixtures.js';

const file = (name: string) => ({ fileId: 'b'.repeat(24), filename: name, contentType: 'application/pdf' as const, size: 10, uploadedAt: '2027-01-02T00:00:00.000Z' });
const staff = { type: 'staff' as const, id: 'o-1', name: 'Jeanne Dupont' };

/** A stored dossier with every field of the state set, so none can hide behind an absent value. */
const everyField: Required<DossierState> = {
  dossierId: 'dossier:es-2027:c-1',
  selectionId: 'es-2027',
  selectionTitle: 'Éducateur spécialisé — rentrée 2027',
  trainingTitle: 'Éducateur spécialisé',
  candidate: { id: 'c-1', email: 'c@example.org', firstName: 'Camille', lastName: 'Dupont' },
  status: 'VALIDATED',
  closesAt: '2027-03-01T11:00:00.000Z',
  openedAt: '2027-01-01T10:00:00.000Z',
  reminderOffsetsDays: [7, 1],
  remindersSent: ['7:2027-03-01T11:00:00.000Z'],
  documentRequirements: { salarie: ['cv', 'employerForm'] },
  civilStatus,
  situation: { status: 'etudiant' },
  documents: { cv: file('cv.pdf') },
  diplomas: [{ id: 'd-1', title: 'Baccalauréat', year: 2013, document: file('bac.pdf') }],
  experiences: [{ id: 'e-1', employer: 'Foyer', position: 'Animatrice', startDate: '2019-09-01', proof: file('att.pdf') }],
  deadline: '2027-03-15T11:00:00.000Z',
  declaredIncompleteAt: '2027-01-05T10:00:00.000Z',
  submittedAt: '2027-01-10T10:00:00.000Z',
  endedAt: '2027-01-20T10:00:00.000Z',
  changesRequested: { comment: 'CV illisible', items: ['CV'], at: '2027-01-12T10:00:00.000Z' },
  decision: { outcome: 'VALIDATED', at: '2027-01-20T10:00:00.000Z', by: staff, paymentTerms: 'Virement sous 15 jours.' },
  reviews: { ['b'.repeat(24)]: { verdict: 'accepted', by: staff, at: '2027-01-11T10:00:00.000Z' } },
  history: [{ at: '2027-01-01T10:00:00.000Z', actor: { type: 'candidate', id: 'c-1' }, action: 'opened' }],
  revision: 12,
};

describe('the dossier answer', () => {
  it('has a field for every field of the stored state: the schema is derived from it', () => {
    expect(Object.keys(dossierStateSchema.shape).filter((key) => !(key in dossierSchema.shape))).toEqual([]);
    expect(Object.keys(everyField).sort()).toEqual(Object.keys(dossierStateSchema.shape).sort());
  });

  it("keeps every field through the serializer for the office, the payment terms included", () => {
    const answered = dossierSchema.parse(viewDossier(everyField, 'staff'));
    for (const key of Object.keys(everyField) as (keyof DossierState)[]) {
      // changesRequested is history once the dossier is decided, but the office keeps it.
      expect(answered[key], key).toEqual(everyField[key]);
    }
    expect(answered.decision?.paymentTerms).toBe('Virement sous 15 jours.');
  });

  it("leaves the office's fields out of a candidate's answer, and who decided", () => {
    const answered = dossierSchema.parse(viewDossier(everyField, 'candidate'));
    for (const key of Object.keys(OFFICE_ONLY_FIELDS)) expect(answered, key).not.toHaveProperty(key);
    expect(answered.decision?.by).toEqual({ type: 'staff' });
    expect(answered).not.toHaveProperty('changesRequested');
    expect(answered.selectionTitle).toBe('Éducateur spécialisé — rentrée 2027');
    expect(answered.requiredDocuments.map((d) => [d.kind, d.uploaded])).toEqual([
      ['cv', true],
      ['identity', false],
      ['motivation', false],
    ]);
  });
});
