// The office console's conveniences: PDFs shown in the page (pdf.js renders
// them on canvases, running nothing from the file: no script, no eval), and
// keyboard shortcuts for the review loop. Every action works without them.
import * as pdfjs from '/static/pdfjs/pdf.min.mjs';

pdfjs.GlobalWorkerOptions.workerSrc = '/static/pdfjs/pdf.worker.min.mjs';
const MAX_PAGES = 20;

for (const view of document.querySelectorAll('[data-pdf]')) {
  try {
    const pdf = await pdfjs.getDocument({ url: view.dataset.pdf, isEvalSupported: false, enableXfa: false }).promise;
    const pages = Math.min(pdf.numPages, MAX_PAGES);
    const fragment = document.createDocumentFragment();
    for (let number = 1; number <= pages; number += 1) {
      const page = await pdf.getPage(number);
      const viewport = page.getViewport({ scale: 1.25 });
      const canvas = document.createElement('canvas');
      canvas.width = viewport.width;
      canvas.height = viewport.height;
      canvas.setAttribute('role', 'img');
      canvas.setAttribute('aria-label', `${view.dataset.label}, page ${number} sur ${pdf.numPages}`);
      await page.render({ canvasContext: canvas.getContext('2d'), viewport }).promise;
      fragment.append(canvas);
    }
    if (pdf.numPages > pages) {
      const more = document.createElement('p');
      more.textContent = `Les ${pdf.numPages - pages} pages suivantes sont dans le fichier téléchargé.`;
      fragment.append(more);
    }
    view.replaceChildren(fragment);
  } catch {
    // Not shown (a damaged file, say): the link to open it stays.
  }
}

// « n » and « p »: the next and previous dossiers of the selection (not while typing).
document.addEventListener('keydown', (event) => {
  if (event.ctrlKey || event.metaKey || event.altKey || event.target.closest('input, textarea, select, [contenteditable]')) return;
  const link = document.querySelector(`a[data-shortcut="${event.key}"]`);
  if (link) window.location.assign(link.href);
});
