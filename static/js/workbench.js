// The workbench (Read and cite, in the admin). The editor selects a passage
// of the source's text with the mouse, or finds it by its words (the server
// finds it, as it finds every excerpt); this turns the selection into offsets
// in the source's text and back. Each chunk of the text says where it starts
// (data-offset), in characters as Python counts them (code points), so no
// text is sent and nothing is matched here.
"use strict";

(() => {
  const pane = () => document.getElementById("wb-text");
  const characters = (text) => Array.from(text).length;
  const chunks = (text) => text.querySelectorAll("[data-offset]");

  // A point of the page as an offset in the source's text: within a chunk,
  // where the chunk starts plus the characters before the point; outside
  // one (in the links after a cited passage), where the next chunk starts.
  function offsetOf(text, node, offset) {
    const element = node.nodeType === Node.TEXT_NODE ? node.parentElement : node;
    const chunk = element && element.closest("[data-offset]");
    if (chunk && text.contains(chunk)) {
      const before = document.createRange();
      before.setStart(chunk, 0);
      before.setEnd(node, offset);
      return Number(chunk.dataset.offset) + characters(before.toString());
    }
    for (const each of chunks(text)) {
      const range = document.createRange();
      range.selectNodeContents(each);
      if (range.comparePoint(node, offset) < 0) return Number(each.dataset.offset);
    }
    return Number(text.dataset.length);
  }

  // The point of the page where an offset in the source's text falls.
  function pointAt(text, position) {
    let found = null;
    for (const chunk of chunks(text)) {
      if (Number(chunk.dataset.offset) > position) break;
      found = chunk;
    }
    if (!found || !found.firstChild) return [text, 0];
    const node = found.firstChild;
    let index = 0;
    let at = Number(found.dataset.offset);
    for (const character of node.data) {
      if (at >= position) break;
      index += character.length;
      at += 1;
    }
    return [node, index];
  }

  function rangeAt(text, start, end) {
    const range = document.createRange();
    range.setStart(...pointAt(text, start));
    range.setEnd(...pointAt(text, end));
    return range;
  }

  // The source's own words between two offsets, without the links between them.
  function wordsBetween(text, start, end) {
    let words = "";
    for (const chunk of chunks(text)) {
      const from = Number(chunk.dataset.offset);
      const letters = Array.from(chunk.textContent);
      if (from >= end || from + letters.length <= start) continue;
      words += letters.slice(Math.max(0, start - from), end - from).join("");
    }
    return words;
  }

  // Make a passage the selection: in every form that cites it, in the words
  // shown, and marked in the text (the CSS Custom Highlight API keeps it
  // marked while the focus is in the panel). White space at either end is
  // left out, as the server leaves it out.
  function choose(start, end) {
    const text = pane();
    if (!text) return;
    const letters = Array.from(wordsBetween(text, start, end));
    while (letters.length && /\s/.test(letters[0])) {
      letters.shift();
      start += 1;
    }
    while (letters.length && /\s/.test(letters[letters.length - 1])) {
      letters.pop();
      end -= 1;
    }
    if (!letters.length) return;
    for (const input of document.querySelectorAll("input[data-selection=start]")) input.value = start;
    for (const input of document.querySelectorAll("input[data-selection=end]")) input.value = end;
    for (const quote of document.querySelectorAll("[data-selection-text]")) {
      quote.textContent = letters.join("");
      quote.hidden = false;
    }
    for (const none of document.querySelectorAll("[data-selection-none]")) none.hidden = true;
    if (window.CSS && CSS.highlights) CSS.highlights.set("wb-selection", new Highlight(rangeAt(text, start, end)));
  }

  function fromSelection() {
    const text = pane();
    const selection = document.getSelection();
    if (!text || !selection || selection.isCollapsed || !selection.rangeCount) return;
    const range = selection.getRangeAt(0);
    if (!text.contains(range.startContainer) || !text.contains(range.endContainer)) return;
    const start = offsetOf(text, range.startContainer, range.startOffset);
    const end = offsetOf(text, range.endContainer, range.endOffset);
    if (end > start) choose(start, end);
  }

  // Once the mouse (or the keyboard) has settled. A click elsewhere collapses
  // the selection; the passage chosen stays chosen.
  let settling = 0;
  document.addEventListener("selectionchange", () => {
    clearTimeout(settling);
    settling = setTimeout(fromSelection, 120);
  });

  function chosen() {
    const start = document.querySelector("#wb-selection input[data-selection=start]");
    const end = document.querySelector("#wb-selection input[data-selection=end]");
    if (!start || !end || start.value === "" || end.value === "") return null;
    return [Number(start.value), Number(end.value)];
  }

  document.addEventListener("htmx:afterSettle", (event) => {
    const text = pane();
    const passage = chosen();
    if (text && passage) {
      choose(...passage);
      // Found by its words: bring it into view. (It is marked as selected; the
      // focus stays in the find box, for the next match.)
      const asked = event.detail.requestConfig && event.detail.requestConfig.elt;
      if (asked && asked.id === "wb-find" && event.detail.elt.id === "wb-selection") {
        rangeAt(text, ...passage).startContainer.parentElement.scrollIntoView({ block: "center" });
      }
    }
    // A new form, a save's result or its errors: take the keyboard there,
    // once. (A form drawn again after a choice keeps the focus where it was.)
    const form = document.getElementById("wb-form");
    const focus = form && form.querySelector("[data-focus]");
    if (focus && !form.contains(document.activeElement)) {
      focus.removeAttribute("data-focus");
      focus.focus();
    }
  });

  document.addEventListener("DOMContentLoaded", () => {
    const passage = chosen();
    if (passage) choose(...passage);
  });
})();
