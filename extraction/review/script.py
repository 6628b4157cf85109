"""The review pages' one script (served as ``/static/review.js``; the CSP allows no other).

Keyboard shortcuts: on a report page ``a`` accepts the field, ``c``/``e`` puts the cursor in
the correction box, ``s`` corrects from the selected text, ``1``-``9`` choose a reading of a
whole-row decision, ``j``/``n`` and ``k``/``p`` go to the next and previous open item. On the
queue ``j``/``k`` move the cursor, ``Enter``/``o`` open the item, ``x`` ticks it, ``a`` accepts
the ticked ones (the cursor's item when none is ticked), ``n``/``p`` turn the page. Keys typed into a form field are
left alone.

Correcting by selection: the source text is split into segments that carry their offset in
the report's text (``data-o``); a selection's ends become offsets counted in code points, as
Python counts them, and go into the span form (the server checks them against the text).
"""

from __future__ import annotations

SCRIPT = r"""
"use strict";
(function () {
  function $(sel) { return document.querySelector(sel); }
  function go(sel) { const a = $(sel); if (a && a.href) { window.location.href = a.href; return true; } return false; }
  function press(sel) { const b = $(sel); if (b && !b.disabled) { b.click(); return true; } return false; }

  function offsetOf(node, offset) {
    const el = node.nodeType === 3 ? node.parentElement : node;
    const seg = el && el.closest ? el.closest("[data-o]") : null;
    if (!seg || !seg.closest("#source-text")) return null;
    const range = document.createRange();
    range.setStart(seg, 0);
    range.setEnd(node, offset);
    return Number(seg.dataset.o) + Array.from(range.toString()).length;
  }

  function selectionChanged() {
    const button = $("#use-selection");
    if (!button) return;
    const sel = window.getSelection();
    let start = null, end = null;
    if (sel && sel.rangeCount && !sel.isCollapsed) {
      const r = sel.getRangeAt(0);
      start = offsetOf(r.startContainer, r.startOffset);
      end = offsetOf(r.endContainer, r.endOffset);
    }
    const ok = start !== null && end !== null && end > start;
    button.disabled = !ok;
    $("#span-start").value = ok ? start : 0;
    $("#span-end").value = ok ? end : 0;
    $("#selection-preview").textContent = ok ? sel.toString() : "";
  }

  let cursor = -1;
  function rows() { return Array.from(document.querySelectorAll("#queue tr[data-field]")); }
  function moveCursor(step) {
    const all = rows();
    if (!all.length) return;
    if (cursor >= 0 && all[cursor]) all[cursor].classList.remove("cur");
    cursor = Math.max(0, Math.min(all.length - 1, cursor + step));
    all[cursor].classList.add("cur");
    all[cursor].scrollIntoView({block: "nearest"});
  }
  function current() { return rows()[cursor] || null; }

  function onKey(event) {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    const target = event.target;
    if (target && /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName)) return;
    const key = event.key;
    let done = false;
    if ($("#queue") || $("#queue-count")) {
      if (key === "j") { moveCursor(1); done = true; }
      else if (key === "k") { moveCursor(-1); done = true; }
      else if ((key === "Enter" || key === "o") && current()) { done = go("#queue tr.cur a.open"); }
      else if (key === "x" && current()) {
        const box = current().querySelector("input[type=checkbox]");
        if (box) { box.checked = !box.checked; done = true; }
      }
      else if (key === "a") {
        const ticked = document.querySelector("#queue input[type=checkbox]:checked");
        const box = current() && current().querySelector("input[type=checkbox]");
        if (!ticked && box) box.checked = true;
        done = press("#bulk-accept");
      }
      else if (key === "n") { done = go("#next-page"); }
      else if (key === "p") { done = go("#prev-page"); }
    } else {
      if (key === "a") { done = press("#accept"); }
      else if (key === "c" || key === "e") {
        const box = $("#edit-value");
        if (box) { box.focus(); box.select(); done = true; }
      }
      else if (key === "s") { done = press("#use-selection"); }
      else if (key === "j" || key === "n") { done = go("#next-item"); }
      else if (key === "k" || key === "p") { done = go("#prev-item"); }
      else if (/^[1-9]$/.test(key)) { done = press("#choose-" + key); }
    }
    if (done) event.preventDefault();
  }

  document.addEventListener("keydown", onKey);
  document.addEventListener("selectionchange", selectionChanged);
})();
"""
