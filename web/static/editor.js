// The code box as a simple editor that never traps the keyboard (WCAG 2.1.2):
// Tab indents by four spaces; Esc then Tab (or Shift+Tab) leaves the box; Ctrl+Enter submits the form.
document.querySelectorAll("textarea.code").forEach(function (box) {
  let leaving = false;
  box.addEventListener("keydown", function (event) {
    if (event.key === "Escape") {
      leaving = true;
      return;
    }
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      if (box.form) box.form.requestSubmit();
      return;
    }
    if (event.key === "Tab" && !leaving && !event.shiftKey && !event.ctrlKey && !event.altKey) {
      event.preventDefault();
      box.setRangeText("    ", box.selectionStart, box.selectionEnd, "end");
      return;
    }
    leaving = false;
  });
  box.addEventListener("blur", function () { leaving = false; });
});
