/**
 * The "récapitulatif": a dossier as its candidate declared it, on A4 pages a
 * person can read and print — the selection, the status and its dates, the
 * civil status, the situation, every document, diploma and experience.
 * Part of "Télécharger mes données".
 */
import { PDFDocument, type PDFFont, type PDFPage, rgb, StandardFonts } from 'pdf-lib';
import { DOCUMENT_LABELS, type DocumentKind, filesOf, SITUATIONS } from '../../domain/dossier.js';
import { effectiveDeadline, STATUS_LABELS } from '../../domain/dossier-lifecycle.js';
import type { DossierState } from '../../domain/dossier-record.js';
import { formatParisDateTime } from '../../domain/paris-time.js';
import { LABELS } from '../../web/labels.js';

const A4 = [595.28, 841.89] as const;
const MARGIN = 56;
const LINE = 15;

/** The standard fonts write WinAnsi only (French is in it): any other character is shown as "?", never an error. */
function writable(font: PDFFont, text: string): string {
  const known = new Set(font.getCharacterSet());
  return [...text.normalize('NFC')].map((char) => (known.has(char.codePointAt(0)!) ? char : char === '\t' ? ' ' : '?')).join('');
}

class Pages {
  private page!: PDFPage;
  private y = 0;
  constructor(
    private readonly pdf: PDFDocument,
    private readonly regular: PDFFont,
    private readonly bold: PDFFont,
  ) {
    this.newPage();
  }

  private newPage() {
    this.page = this.pdf.addPage([...A4]);
    this.y = A4[1] - MARGIN;
  }

  /** Text wrapped to the page's width, on as many pages as it needs. */
  text(content: string, options: { size?: number; bold?: boolean; indent?: number; gray?: boolean } = {}) {
    const size = options.size ?? 10;
    const font = options.bold ? this.bold : this.regular;
    const width = A4[0] - 2 * MARGIN - (options.indent ?? 0);
    for (const paragraph of writable(font, content).split('\n')) {
      let line = '';
      const flush = () => {
        if (this.y < MARGIN) this.newPage();
        this.page.drawText(line, { x: MARGIN + (options.indent ?? 0), y: this.y, size, font, color: options.gray ? rgb(0.35, 0.35, 0.35) : rgb(0, 0, 0) });
        this.y -= size + (LINE - 10);
        line = '';
      };
      for (const word of paragraph.split(' ')) {
        const next = line ? `${line} ${word}` : word;
        if (font.widthOfTextAtSize(next, size) > width && line) {
          flush();
          line = word;
        } else line = next;
      }
      flush();
    }
  }

  heading(content: string) {
    this.y -= 8;
    this.text(content, { size: 13, bold: true });
  }

  field(label: string, value: string | number | undefined | null) {
    if (value === undefined || value === null || value === '') return;
    this.text(`${label} : ${value}`, { indent: 8 });
  }
}

const date = (iso: string | undefined) => (iso ? formatParisDateTime(iso) : undefined);

export async function dossierSummaryPdf(dossier: DossierState, generatedAt: Date): Promise<Uint8Array> {
  const pdf = await PDFDocument.create();
  pdf.setTitle(`Récapitulatif — ${dossier.selectionTitle ?? dossier.trainingTitle}`);
  pdf.setLanguage('fr-FR');
  pdf.setCreator('Candidature');
  const pages = new Pages(pdf, await pdf.embedFont(StandardFonts.Helvetica), await pdf.embedFont(StandardFonts.HelveticaBold));

  pages.text("Récapitulatif de votre dossier d'inscription", { size: 16, bold: true });
  pages.text(dossier.selectionTitle ?? dossier.trainingTitle, { size: 12 });
  pages.text(`Document établi le ${formatParisDateTime(generatedAt.toISOString())} (heure de Paris).`, { gray: true });

  pages.heading('Statut');
  pages.field('Statut', STATUS_LABELS[dossier.status]);
  pages.field('Dossier ouvert le', date(dossier.openedAt));
  pages.field('Déclaré complet le', date(dossier.submittedAt));
  pages.field('Déclaré incomplet le', date(dossier.declaredIncompleteAt));
  pages.field('Date limite', date(effectiveDeadline(dossier)));
  if (dossier.decision) {
    pages.field(dossier.decision.outcome === 'VALIDATED' ? 'Validé le' : 'Non retenu le', date(dossier.decision.at));
    pages.field('Motif', dossier.decision.reason);
    pages.field('Modalités de paiement', dossier.decision.paymentTerms);
  }
  if (dossier.changesRequested) {
    pages.field('Modifications demandées le', date(dossier.changesRequested.at));
    pages.field('Message du service sélection', dossier.changesRequested.comment);
    for (const item of dossier.changesRequested.items) pages.text(`– ${item}`, { indent: 16 });
  }

  pages.heading('Candidat');
  pages.field('Compte', `${dossier.candidate.firstName} ${dossier.candidate.lastName} <${dossier.candidate.email}>`);
  const civil = dossier.civilStatus;
  if (civil) {
    pages.field(LABELS.civility, civil.civility === 'madame' ? 'Madame' : 'Monsieur');
    pages.field(LABELS.lastName, civil.lastName);
    pages.field(LABELS.usedLastName, civil.usedLastName);
    pages.field(LABELS.firstNames, civil.firstNames);
    pages.field(LABELS.birthDate, civil.birthDate);
    pages.field(LABELS.birthPlace, `${civil.birthPlace} (${civil.birthCountry})`);
    pages.field(LABELS.nationality, civil.nationality);
    pages.field('Adresse', [civil.address.line1, civil.address.line2, `${civil.address.postalCode} ${civil.address.city}`, civil.address.country].filter(Boolean).join(', '));
    pages.field(LABELS.phone, civil.phone);
  } else pages.text('État civil non renseigné.', { indent: 8, gray: true });
  pages.field(LABELS.status, SITUATIONS.find((s) => s.code === dossier.situation?.status)?.label);

  pages.heading('Pièces déposées');
  for (const [kind, file] of Object.entries(dossier.documents)) {
    pages.field(DOCUMENT_LABELS[kind as DocumentKind], `${file.filename} (${Math.ceil(file.size / 1024)} Ko, déposé le ${date(file.uploadedAt)})`);
  }
  if (Object.keys(dossier.documents).length === 0) pages.text('Aucune pièce.', { indent: 8, gray: true });

  pages.heading('Diplômes');
  for (const diploma of dossier.diplomas) {
    pages.text([diploma.title, diploma.year, diploma.institution].filter(Boolean).join(' — '), { indent: 8 });
    if (diploma.document) pages.text(`Justificatif : ${diploma.document.filename}`, { indent: 16, gray: true });
  }
  if (dossier.diplomas.length === 0) pages.text('Aucun diplôme déclaré.', { indent: 8, gray: true });

  pages.heading('Expériences professionnelles');
  for (const experience of dossier.experiences) {
    const period = [experience.startDate, experience.endDate ?? "aujourd'hui"].join(' → ');
    pages.text(`${experience.position} — ${experience.employer} (${period})`, { indent: 8 });
    if (experience.proof) pages.text(`Justificatif : ${experience.proof.filename}`, { indent: 16, gray: true });
  }
  if (dossier.experiences.length === 0) pages.text('Aucune expérience déclarée.', { indent: 8, gray: true });

  pages.heading('Fichiers joints à cet export');
  pages.text(`${filesOf(dossier).length} fichier(s), dans le dossier « pieces » à côté de ce récapitulatif.`, { indent: 8 });
  return pdf.save();
}
