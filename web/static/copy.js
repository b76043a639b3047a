// Copy buttons: put a link on the clipboard, or select it for Ctrl+C where the browser does not allow that (plain http).
document.addEventListener("click", async (event) => {
  const button = event.target.closest("button.copy[data-copy]");
  if (!button) return;
  const shown = button.previousElementSibling;
  try {
    await navigator.clipboard.writeText(button.dataset.copy);
    button.textContent = button.dataset.copied;
  } catch {
    const range = document.createRange();
    range.selectNodeContents(shown);
    const selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
    button.textContent = button.dataset.select;
  }
});
// After adding learners, the messages are beside the forms: bring them into view and to screen readers.
const peopleMessages = document.getElementById("people-messages");
if (peopleMessages) {
  peopleMessages.scrollIntoView({ block: "center" });
  peopleMessages.focus({ preventScroll: true });
}
