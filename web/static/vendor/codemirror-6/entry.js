// The entry point bundled into codemirror.min.js (see README.md): a Python editor for the site's code boxes.
import {
  EditorView, Decoration, keymap, lineNumbers, highlightActiveLine, highlightActiveLineGutter, drawSelection,
  highlightSpecialChars,
} from "@codemirror/view";
import { EditorState, StateEffect, StateField } from "@codemirror/state";
import {
  defaultKeymap, history, historyKeymap, indentWithTab, temporarilySetTabFocusMode, simplifySelection,
} from "@codemirror/commands";
import {
  indentUnit, indentOnInput, bracketMatching, syntaxHighlighting, defaultHighlightStyle,
} from "@codemirror/language";
import { python } from "@codemirror/lang-python";

const markLine = StateEffect.define();
const marked = StateField.define({
  create() { return Decoration.none; },
  update(lines, transaction) {
    lines = lines.map(transaction.changes);
    for (const effect of transaction.effects) {
      if (!effect.is(markLine)) continue;
      if (effect.value === null) { lines = Decoration.none; continue; }
      const line = transaction.state.doc.line(effect.value);
      lines = Decoration.set([Decoration.line({ class: "cm-error-line" }).range(line.from)]);
    }
    return lines;
  },
  provide: (field) => EditorView.decorations.from(field),
});

// Replace a textarea with an editor that keeps the textarea's value up to date (forms and drafts read it).
// The editor adds its styles as a <style> element: the page's Content-Security-Policy accepts it with the nonce.
export function mountEditor(textarea, { label, onSubmit, nonce }) {
  const view = new EditorView({
    doc: textarea.value,
    extensions: [
      keymap.of([
        // Esc, then Tab, leaves the editor: Tab indents otherwise, and nobody is trapped (WCAG 2.1.2).
        { key: "Escape", run: (view) => { temporarilySetTabFocusMode(view); simplifySelection(view); return true; } },
        { key: "Mod-Enter", run: () => { onSubmit(); return true; } },
        indentWithTab,
        ...defaultKeymap,
        ...historyKeymap,
      ]),
      // A plain editor for beginners: line numbers, colours, auto-indent, matching brackets; no pop-ups.
      lineNumbers(),
      highlightActiveLineGutter(),
      highlightSpecialChars(),
      history(),
      drawSelection(),
      indentOnInput(),
      syntaxHighlighting(defaultHighlightStyle, { fallback: true }),
      bracketMatching(),
      highlightActiveLine(),
      python(),
      indentUnit.of("    "),
      EditorState.tabSize.of(4),
      marked,
      ...(nonce ? [EditorView.cspNonce.of(nonce)] : []),
      EditorView.contentAttributes.of({ "aria-label": label, "aria-multiline": "true", spellcheck: "false", autocapitalize: "off", autocorrect: "off" }),
      EditorView.updateListener.of((update) => {
        if (!update.docChanged) return;
        textarea.value = update.state.doc.toString();
        textarea.dispatchEvent(new Event("input", { bubbles: true }));
      }),
    ],
  });
  textarea.hidden = true;
  textarea.editorView = view; // other scripts (and tests) reach the editor through its textarea
  textarea.insertAdjacentElement("afterend", view.dom);
  return {
    view,
    markLine(number) {
      const valid = number && number >= 1 && number <= view.state.doc.lines;
      view.dispatch({ effects: markLine.of(valid ? number : null) });
      if (valid) view.dispatch({ effects: EditorView.scrollIntoView(view.state.doc.line(number).from, { y: "center" }) });
    },
  };
}
