// Forms with data-confirm ask before they are sent (the question is the attribute's text); cancel sends nothing.
document.addEventListener("submit", (event) => {
  const form = event.target.closest("form[data-confirm]");
  if (form && !window.confirm(form.dataset.confirm)) event.preventDefault();
});
