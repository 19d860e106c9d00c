// Small conveniences over pages that work without JavaScript: the progress of
// an upload, the file chosen and its size before it is sent, and the password
// rule as it is typed. Nothing here is needed to fill a dossier.

const MB = 1024 * 1024;

function describeFile(file) {
  const size = file.size >= MB ? `${(file.size / MB).toFixed(1).replace('.', ',')} Mo` : `${Math.max(1, Math.round(file.size / 1024))} Ko`;
  return `${file.name} (${size})`;
}

// The file chosen, with a warning before sending one the server would refuse.
function chosenFiles(root) {
  for (const input of root.querySelectorAll('input[type="file"][data-max-bytes]')) {
    const chosen = document.getElementById(input.dataset.chosen);
    input.addEventListener('change', () => {
      const file = input.files && input.files[0];
      if (!chosen) return;
      if (!file) {
        chosen.textContent = '';
        return;
      }
      const tooLarge = file.size > Number(input.dataset.maxBytes);
      const type = /\.(pdf|jpe?g|png|jfif)$/i.test(file.name);
      chosen.textContent = `Fichier choisi : ${describeFile(file)}${tooLarge ? ' — trop volumineux' : ''}${type ? '' : ' — type non accepté (PDF, JPEG ou PNG)'}`;
      chosen.classList.toggle('field-error', tooLarge || !type);
    });
  }
}

// Uploads with a progress bar: the same form, sent by XHR so its progress can be shown.
function progressUploads(root) {
  for (const form of root.querySelectorAll('form[data-upload]')) {
    form.addEventListener('submit', (event) => {
      const input = form.querySelector('input[type="file"]');
      if (!input || !input.files || input.files.length === 0) return; // the server says what is missing
      event.preventDefault();
      const progress = form.querySelector('.upload-progress');
      const bar = progress && progress.querySelector('progress');
      const text = progress && progress.querySelector('.upload-progress-text');
      const button = form.querySelector('button[type="submit"]');
      if (progress) progress.hidden = false;
      if (button) button.disabled = true;
      const request = new XMLHttpRequest();
      request.open('POST', form.action);
      request.upload.addEventListener('progress', (progressEvent) => {
        if (!progressEvent.lengthComputable || !bar) return;
        const percent = Math.round((progressEvent.loaded / progressEvent.total) * 100);
        bar.value = percent;
        if (text) text.textContent = `Envoi en cours : ${percent} %`;
      });
      request.addEventListener('load', () => {
        // Accepted: the server sends the screen on (a 303 that XHR followed, dropping its fragment): back to this form.
        if (request.status < 400) {
          const target = new URL(request.responseURL);
          target.hash = form.id;
          // The same address but for its fragment would only scroll: load it again.
          if (target.href.split('#')[0] === window.location.href.split('#')[0]) {
            window.location.hash = form.id;
            window.location.reload();
          } else {
            window.location.assign(target.href);
          }
          return;
        }
        // Refused: its page, with the error summary, in place of this one.
        const page = new DOMParser().parseFromString(request.responseText, 'text/html');
        document.title = page.title;
        document.body.replaceWith(page.body);
        enhance(document.body);
        const summary = document.querySelector('.error-summary');
        if (summary) summary.focus();
      });
      request.addEventListener('error', () => {
        if (button) button.disabled = false;
        if (text) text.textContent = "L'envoi a échoué (connexion interrompue) : réessayez.";
      });
      request.send(new FormData(form));
    });
  }
}

// The password rule, as it is typed.
function passwordRules(root) {
  for (const input of root.querySelectorAll('input[data-password-rule]')) {
    const hint = document.getElementById(input.dataset.passwordRule);
    const min = Number(input.dataset.minLength || 12);
    input.addEventListener('input', () => {
      if (!hint) return;
      const left = min - [...input.value].length;
      hint.textContent = left > 0 ? `Encore ${left} caractère${left > 1 ? 's' : ''} au moins.` : 'Longueur suffisante. Évitez les mots de passe courants et votre nom.';
    });
  }
}

// Every convenience applies to the page as loaded, and again to a page an upload's refusal brought in.
function enhance(root) {
  chosenFiles(root);
  progressUploads(root);
  passwordRules(root);
}

enhance(document);
