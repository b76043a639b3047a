// Make the code box behave like a simple editor: Tab indents by four spaces instead of leaving the box.
document.querySelectorAll("textarea.code").forEach(function (box) {
  box.addEventListener("keydown", function (event) {
    if (event.key !== "Tab" || event.shiftKey || event.ctrlKey || event.altKey) return;
    event.preventDefault();
    box.setRangeText("    ", box.selectionStart, box.selectionEnd, "end");
  });
});
