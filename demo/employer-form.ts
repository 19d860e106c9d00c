import { PDFDocument, StandardFonts, rgb } from 'pdf-lib';

/**
 * The "Justificatif de statut salarié": a one-page form the employer fills
 * and signs, which a salaried candidate uploads back with the dossier.
 */
export async function employerFormPdf(): Promise<Uint8Array> {
  const pdf = await PDFDocument.create();
  pdf.setTitle('Justificatif de statut salarié');
  pdf.setAuthor('ITSRA — Service sélection');
  const page = pdf.addPage([595, 842]); // A4
  const regular = await pdf.embedFont(StandardFonts.Helvetica);
  const bold = await pdf.embedFont(StandardFonts.HelveticaBold);
  let y = 780;
  const write = (text: string, options: { size?: number; font?: typeof regular; gap?: number } = {}) => {
    page.drawText(text, { x: 60, y, size: options.size ?? 11, font: options.font ?? regular, color: rgb(0, 0, 0) });
    y -= options.gap ?? 22;
  };
  write('ITSRA — Institut du travail social de la région Auvergne', { size: 10, gap: 40 });
  write('JUSTIFICATIF DE STATUT SALARIÉ', { size: 18, font: bold, gap: 36 });
  write('À faire remplir et signer par votre employeur, puis à déposer dans votre dossier', { gap: 16 });
  write("d'inscription (étape « Pièces obligatoires »).", { gap: 40 });
  write('Je soussigné(e), .................................................................................................');
  write('agissant en qualité de ...........................................................................................');
  write("de l'établissement / la structure .........................................................................");
  write('adresse ....................................................................................................................', { gap: 34 });
  write('certifie que Madame / Monsieur ...........................................................................');
  write('est salarié(e) de la structure depuis le ..................................................................');
  write("en qualité de ...........................................................................................................");
  write('sous contrat :   ☐ CDI    ☐ CDD jusqu’au ..................    ☐ autre : .................................'.replace(/☐/g, '[ ]'), { gap: 34 });
  write('Fait à ................................................, le ..........................................', { gap: 50 });
  write('Signature et cachet de l’employeur :', { font: bold });
  return pdf.save();
}
