// The code boxes of an exercise page: a real editor (CodeMirror, when it loaded) that never traps the keyboard,
// and, with JavaScript, the result shown beside the editor without leaving the page. Without either,
// the plain form still works: Tab indents, Esc then Tab leaves the box, Ctrl+Enter submits.
(function () {
  const form = document.getElementById("submit-form");
  if (!form) return;
  const boxes = Array.from(form.querySelectorAll("textarea.code"));
  const editors = new Map();
  // The page's nonce lets the editor add its style sheet under the Content-Security-Policy.
  const nonce = document.currentScript ? document.currentScript.nonce : "";

  function submit() { form.requestSubmit(); }

  if (window.AutograderEditor) {
    boxes.forEach(function (box) {
      const label = form.querySelector("label[for='" + box.id + "']");
      const editor = window.AutograderEditor.mountEditor(box, {
        label: (label ? label.textContent : box.dataset.file) + " — " + form.dataset.keys,
        onSubmit: submit,
        nonce: nonce,
      });
      editors.set(box.dataset.file, editor);
      if (label) label.addEventListener("click", function () { editor.view.focus(); });
    });
  } else {
    boxes.forEach(function (box) {
      let leaving = false;
      box.addEventListener("keydown", function (event) {
        if (event.key === "Escape") { leaving = true; return; }
        if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) { event.preventDefault(); submit(); return; }
        if (event.key === "Tab" && !leaving && !event.shiftKey && !event.ctrlKey && !event.altKey) {
          event.preventDefault();
          box.setRangeText("    ", box.selectionStart, box.selectionEnd, "end");
          return;
        }
        leaving = false;
      });
      box.addEventListener("blur", function () { leaving = false; });
    });
  }

  // The result beside the editor: send with fetch, then follow the result until it is graded.
  const shown = document.getElementById("live-result");
  const announcer = document.getElementById("live-announcer");
  const upload = document.getElementById("upload");
  if (!shown || !window.fetch) return;
  let sending = 0; // each send gets a number: only the latest one's result is shown

  function markErrorLine(section) {
    editors.forEach(function (editor) { editor.markLine(null); });
    const found = section.querySelector(".explanation[data-line]:not([data-line=''])");
    const editor = found && (editors.get(found.dataset.file) || (editors.size === 1 ? editors.values().next().value : null));
    if (editor) editor.markLine(Number(found.dataset.line));
  }

  async function follow(url, number) {
    let delay = 400;
    while (number === sending) {
      let section = null;
      try {
        const response = await fetch(url, { headers: { Accept: "text/html" } });
        if (response.ok && number === sending) {
          shown.innerHTML = await response.text();
          section = shown.querySelector(".result");
        }
      } catch (error) {
        // The network hiccuped; ask again a little later.
      }
      if (section && section.dataset.status === "graded") {
        markErrorLine(section);
        if (announcer) announcer.textContent = section.dataset.announce || "";
        return;
      }
      await new Promise(function (resolve) { setTimeout(resolve, delay); });
      delay = Math.min(delay * 1.5, 3000);
    }
  }

  form.addEventListener("submit", async function (event) {
    if (upload && upload.files.length) return; // files chosen from the computer: the plain form sends them
    event.preventDefault();
    sending += 1;
    const number = sending;
    let response;
    try {
      response = await fetch(form.action, { method: "POST", body: new FormData(form) });
    } catch (error) {
      // Nothing is sent again by itself (it may have arrived): the learner decides, and the code stays.
      shown.hidden = false;
      shown.textContent = form.dataset.offline;
      if (announcer) announcer.textContent = form.dataset.offline;
      return;
    }
    const page = new URL(response.url);
    if (!response.redirected || !/\/submissions\/\d+$/.test(page.pathname)) {
      // Refused (an empty file, too many at once) or logged out: show the site's own answer, which keeps the code.
      const html = await response.text();
      document.open();
      document.write(html);
      document.close();
      return;
    }
    if (announcer) announcer.textContent = "";
    shown.hidden = false;
    shown.innerHTML = "";
    follow(page.pathname + "/result", number);
  });
})();
