import { describe, expect, it } from 'vitest';
import {
  civilStatusSchema,
  diplomaConflict,
  diplomaFieldsSchema,
  type DossierContent,
  experienceFieldsSchema,
  missingItems,
  stepProgress,
} from '../../domain/dossier.js';
import { civilStatus } from '../support/fixtures.js';

const file = (name: string) => ({ fileId: 'a'.repeat(24), filename: name, contentType: 'application/pdf' as const, size: 10, uploadedAt: '2027-01-01T00:00:00Z' });
const empty: DossierContent = { documents: {}, diplomas: [], experiences: [] };
const complete: DossierContent = {
  civilStatus,
  situation: { status: 'etudiant' },
  documents: { cv: file('cv.pdf'), identity: file('id.pdf'), motivation: file('lm.pdf') },
  diplomas: [{ id: 'd1', title: 'Baccalauréat', document: file('bac.pdf') }],
  experiences: [],
};

describe('what keeps a dossier from being complete', () => {
  it('lists every step of an empty dossier, each with the step that fixes it', () => {
    expect(missingItems(empty).map(({ code, step }) => [code, step])).toEqual([
      ['civilStatus', 'civilStatus'],
      ['situation', 'situation'],
      ['documents.cv', 'documents'],
      ['documents.identity', 'documents'],
      ['documents.motivation', 'documents'],
      ['diplomas', 'diplomas'],
    ]);
  });

  it('finds nothing missing in a complete dossier', () => {
    expect(missingItems(complete)).toEqual([]);
  });

  it('asks a salaried candidate for the employer form, and a selection’s own list when it has one', () => {
    expect(missingItems({ ...complete, situation: { status: 'salarie' } }).map((item) => item.document)).toEqual(['employerForm']);
    expect(missingItems({ ...complete, documentRequirements: { etudiant: ['cv'] } })).toEqual([]);
  });

  it("names the entry whose file is missing, without parsing a code", () => {
    const dossier = { ...complete, experiences: [{ id: 'e1', employer: 'ADAPEI', position: 'Animateur', startDate: '2020-01-01' }] };
    expect(missingItems(dossier)).toEqual([
      { code: 'experiences.proof', label: "Justificatif de l'expérience « Animateur — ADAPEI » à téléverser", step: 'experiences', entryId: 'e1' },
    ]);
  });

  it('marks steps done with their French names; experiences are optional and not done while empty', () => {
    expect(stepProgress(empty).map(({ step, label, done, required }) => [step, label, done, required])).toEqual([
      ['civilStatus', 'État civil', false, true],
      ['situation', 'Situation actuelle', false, true],
      ['documents', 'Pièces obligatoires', false, true],
      ['diplomas', 'Diplômes', false, true],
      ['experiences', 'Expériences professionnelles', false, false],
    ]);
    expect(stepProgress(complete).filter((s) => s.done).map((s) => s.step)).toEqual(['civilStatus', 'situation', 'documents', 'diplomas']);
  });
});

describe('"Ne possède pas de diplôme"', () => {
  const bac = { id: 'd1', title: 'Baccalauréat' };
  const none = { id: 'd2', noDiploma: true };

  it('is the only diploma entry: it cannot join a diploma, nor a diploma join it', () => {
    expect(diplomaConflict([bac], undefined, { noDiploma: true })).toMatch(/supprimez d’abord les diplômes/);
    expect(diplomaConflict([none], undefined, { title: 'CAP' })).toMatch(/supprimez d’abord l’entrée « Ne possède pas de diplôme »/);
    expect(diplomaConflict([], undefined, { noDiploma: true })).toBeUndefined();
    expect(diplomaConflict([none], 'd2', { noDiploma: true })).toBeUndefined();
    expect(diplomaConflict([none], 'd2', { title: 'CAP' })).toBeUndefined();
  });

  it('carries no diploma fields', () => {
    expect(diplomaFieldsSchema.safeParse({ noDiploma: true }).success).toBe(true);
    expect(diplomaFieldsSchema.safeParse({ noDiploma: true, title: 'Bac' }).success).toBe(false);
    expect(diplomaFieldsSchema.safeParse({}).error?.issues[0]?.message).toBe('intitulé du diplôme obligatoire');
  });
});

describe('dates that make sense', () => {
  const thisYear = new Date().getUTCFullYear();

  it('refuses a birth date in the future, or one that makes the candidate younger than 16 or older than 99', () => {
    const at = (birthDate: string) => civilStatusSchema.safeParse({ ...civilStatus, birthDate });
    expect(at('1995-03-14').success).toBe(true);
    expect(at(`${thisYear + 4}-01-01`).error?.issues[0]).toMatchObject({ path: ['birthDate'], message: expect.stringMatching(/entre 16 et 99 ans/) });
    expect(at(`${thisYear - 10}-01-01`).success).toBe(false);
    expect(at(`${thisYear - 120}-01-01`).success).toBe(false);
  });

  it('refuses an experience that starts or ends in the future, or ends before it starts', () => {
    const experience = { employer: 'ADAPEI', position: 'Animateur', startDate: '2020-01-01' };
    expect(experienceFieldsSchema.safeParse(experience).success).toBe(true);
    expect(experienceFieldsSchema.safeParse({ ...experience, startDate: `${thisYear + 3}-01-01` }).error?.issues[0]?.path).toEqual(['startDate']);
    expect(experienceFieldsSchema.safeParse({ ...experience, endDate: `${thisYear + 3}-01-01` }).error?.issues[0]?.path).toEqual(['endDate']);
    expect(experienceFieldsSchema.safeParse({ ...experience, endDate: '2019-01-01' }).error?.issues[0]?.message).toBe('la date de fin précède la date de début');
  });

  it('says in French what is wrong with a field, whatever the rule', () => {
    const result = civilStatusSchema.safeParse({ civility: 'x', lastName: 3 });
    const messages = result.error!.issues.map((issue) => issue.message);
    expect(messages).toContain('champ obligatoire');
    expect(messages.join(' ')).not.toMatch(/expected|received|invalid input/i);
  });
});
