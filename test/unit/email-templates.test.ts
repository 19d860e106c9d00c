import { describe, expect, it } from 'vitest';
import { renderEmail } from '../../mail/templates.js';

describe('e-mail templates', () => {
  it('tells the candidate in French until when the dossier can be completed, in Paris time', () => {
    const email = renderEmail(
      { kind: 'dossierOpened', trainingTitle: 'Moniteur éducateur', closesAt: '2027-03-01T11:00:00Z' },
      { publicBaseUrl: 'https://inscriptions.example' },
    );
    expect(email.subject).toBe("Votre dossier d'inscription — Moniteur éducateur");
    expect(email.text).toContain("jusqu'au lundi 1 mars 2027 à 12:00 (heure de Paris)");
    expect(email.text).toContain('https://inscriptions.example');
    expect(email.text).toContain('Compléter un dossier en cours');
  });
});
