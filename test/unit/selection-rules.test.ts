import { describe, expect, it } from 'vitest';
import { isSelectionOpen } from '../../domain/selection.js';
import { dossierWorkflowId } from '../../workflows/dossier/contract.js';

describe('selection rules', () => {
  const selection = { opensAt: new Date('2027-01-01T00:00:00Z'), closesAt: new Date('2027-02-01T11:00:00Z') };

  it('is open from its opening instant until just before its closing instant', () => {
    expect(isSelectionOpen(selection, new Date('2026-12-31T23:59:59Z'))).toBe(false);
    expect(isSelectionOpen(selection, new Date('2027-01-01T00:00:00Z'))).toBe(true);
    expect(isSelectionOpen(selection, new Date('2027-02-01T10:59:59Z'))).toBe(true);
    expect(isSelectionOpen(selection, new Date('2027-02-01T11:00:00Z'))).toBe(false);
  });

  it('derives one dossier id per candidate and selection', () => {
    expect(dossierWorkflowId('es-2027', 'c-1')).toBe('dossier:es-2027:c-1');
    expect(dossierWorkflowId('es-2027', 'c-1')).toBe(dossierWorkflowId('es-2027', 'c-1'));
    expect(dossierWorkflowId('es-2027', 'c-1')).not.toBe(dossierWorkflowId('me-2027', 'c-1'));
  });
});
