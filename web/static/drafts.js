// Keep the learner's code in this browser while they type, so a closed tab or a lost page never loses it.
// Each exercise file has its own draft; the draft is dropped once the code is sent and shown back by the site.
(function () {
  const form = document.getElementById("submit-form");
  if (!form || !window.localStorage) return;
  const exercise = form.dataset.exercise;
  const boxes = form.querySelectorAll("textarea.code");
  const notice = document.getElementById("draft-restored");

  function key(box) { return "autograder:draft:" + exercise + ":" + box.name; }

  let restored = false;
  boxes.forEach(function (box) {
    let draft = null;
    try { draft = localStorage.getItem(key(box)); } catch (error) { return; }
    if (draft !== null && draft !== box.value) {
      box.value = draft;
      restored = true;
    }
    box.addEventListener("input", function () {
      try { localStorage.setItem(key(box), box.value); } catch (error) { /* storage full or off: keep typing */ }
    });
  });
  if (restored && notice) notice.hidden = false;
  document.dispatchEvent(new CustomEvent("drafts-restored"));

  form.addEventListener("submit", function () {
    // Sent: the site keeps it now, and shows it again with the result.
    boxes.forEach(function (box) { try { localStorage.removeItem(key(box)); } catch (error) { /* nothing kept */ } });
  });
})();
