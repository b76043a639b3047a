// Keep the learner's code in this browser while they type, so a closed tab or a lost page never loses it.
// A draft belongs to one person, one exercise and one file, and remembers the code it started from: it is
// restored only over that same code (never over newer code sent from elsewhere) and dropped once it was sent.
(function () {
  const form = document.getElementById("submit-form");
  if (!form || !window.localStorage) return;
  const prefix = "autograder:draft:" + form.dataset.user + ":";
  const boxes = form.querySelectorAll("textarea.code");
  const notice = document.getElementById("draft-restored");

  function fingerprint(text) {
    let hash = 5381;
    for (let i = 0; i < text.length; i += 1) hash = ((hash * 33) ^ text.charCodeAt(i)) >>> 0;
    return text.length + ":" + hash;
  }
  function key(box) { return prefix + form.dataset.exercise + ":" + box.name; }
  function read(box) {
    try { return JSON.parse(localStorage.getItem(key(box)) || "null"); } catch (error) { return null; }
  }

  let restored = false;
  boxes.forEach(function (box) {
    const shown = box.value;
    const base = fingerprint(shown);
    const draft = read(box);
    if (draft && draft.base === base && draft.text !== shown) {
      box.value = draft.text;
      restored = true;
    } else if (draft) {
      try { localStorage.removeItem(key(box)); } catch (error) { /* nothing kept */ }
    }
    box.addEventListener("input", function () {
      const text = box.value;
      try {
        if (text === shown) localStorage.removeItem(key(box));
        else localStorage.setItem(key(box), JSON.stringify({ base: base, text: text }));
      } catch (error) { /* storage full or off: keep typing */ }
    });
  });
  if (restored && notice) notice.hidden = false;
})();

// Logging out on a shared computer leaves no code behind for the next person.
(function () {
  if (!window.localStorage) return;
  // The header's "Log out", and "Log out on every device" on the account page.
  document.querySelectorAll("form[action$='/logout'], form[action$='/sessions/end']").forEach(function (logout) {
    logout.addEventListener("submit", function () {
      try {
        Object.keys(localStorage).filter(function (name) { return name.startsWith("autograder:draft:"); })
          .forEach(function (name) { localStorage.removeItem(name); });
      } catch (error) { /* nothing kept */ }
    });
  });
})();
