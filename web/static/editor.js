// The code boxes of an exercise page: a real editor (CodeMirror, when it loaded) that never traps the keyboard,
// and, with JavaScript, the result shown beside the editor without leaving the page. Without either,
// the plain form still works: Tab indents, Esc then Tab leaves the box, Ctrl+Enter submits.
(function () {
  const form = document.getElementById("submit-form");
  if (!form) return;
  const boxes = Array.from(form.querySelectorAll("textarea.code"));
  const editors = {};

  function submit() { form.requestSubmit(); }

  if (window.AutograderEditor) {
    boxes.forEach(function (box) {
      const label = form.querySelector("label[for='" + box.id + "']");
      editors[box.dataset.file] = window.AutograderEditor.mountEditor(box, {
        label: (label ? label.textContent : box.dataset.file) + " — " + form.dataset.keys,
        onSubmit: submit,
      });
    });
    boxes.forEach(function (box) {
      const label = form.querySelector("label[for='" + box.id + "']");
      if (label) label.addEventListener("click", function () { editors[box.dataset.file].view.focus(); });
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

  function markErrorLine(section) {
    Object.values(editors).forEach(function (editor) { editor.markLine(null); });
    const found = section.querySelector(".explanation[data-line]:not([data-line=''])");
    if (!found) return;
    const editor = editors[found.dataset.file] || Object.values(editors)[0];
    if (editor) editor.markLine(Number(found.dataset.line));
  }

  async function follow(url) {
    let delay = 400;
    for (;;) {
      try {
        const response = await fetch(url, { headers: { Accept: "text/html" } });
        if (response.ok) {
          shown.innerHTML = await response.text();
          const section = shown.querySelector(".result");
          if (section && section.dataset.status === "graded") {
            markErrorLine(section);
            if (announcer) announcer.textContent = section.dataset.announce || "";
            return;
          }
        }
      } catch (error) {
        // The network hiccuped; ask again a little later.
      }
      await new Promise(function (resolve) { setTimeout(resolve, delay); });
      delay = Math.min(delay * 1.5, 3000);
    }
  }

  form.addEventListener("submit", async function (event) {
    if (upload && upload.files.length) return; // files chosen from the computer: the plain form sends them
    event.preventDefault();
    let response;
    try {
      response = await fetch(form.action, { method: "POST", body: new FormData(form) });
    } catch (error) {
      form.submit(); // no network answer: the plain form tries, and the page says what happened
      return;
    }
    const page = new URL(response.url);
    if (!response.redirected || !/\/submissions\/\d+$/.test(page.pathname)) {
      form.submit(); // refused (an empty file, too many at once): the page explains, and keeps the code
      return;
    }
    if (announcer) announcer.textContent = "";
    shown.hidden = false;
    shown.innerHTML = "";
    follow(page.pathname + "/result");
  });
})();
