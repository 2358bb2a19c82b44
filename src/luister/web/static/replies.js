// The reply composer: a live counter against the platform's limit (Bluesky counts graphemes, the others
// characters) and canned responses inserted at the cursor. Without this script the form still works.
(function () {
  "use strict";
  var form = document.querySelector("form[data-composer]");
  if (!form) return;
  var box = form.querySelector("textarea[name=body]");
  var counter = form.querySelector("[data-counter]");
  var limit = parseInt(form.dataset.limit, 10);
  var graphemes = form.dataset.unit === "graphemes" && typeof Intl !== "undefined" && Intl.Segmenter;
  var segmenter = graphemes ? new Intl.Segmenter(undefined, { granularity: "grapheme" }) : null;
  function length(text) {
    if (segmenter) {
      var n = 0;
      for (var _ of segmenter.segment(text)) n += 1;  // eslint-disable-line no-unused-vars
      return n;
    }
    return Array.from(text).length;
  }
  function count() {
    var n = length(box.value);
    counter.textContent = String(n);
    counter.parentElement.classList.toggle("over", n > limit);
  }
  box.addEventListener("input", count);
  count();
  var insert = form.querySelector("[data-reply-insert]");
  var picker = form.querySelector("[data-reply-canned]");
  if (insert && picker) {
    insert.addEventListener("click", function () {
      var chosen = picker.options[picker.selectedIndex];
      var text = chosen && chosen.dataset.text;
      if (!text) return;
      var start = box.selectionStart || 0, end = box.selectionEnd || 0;
      box.value = box.value.slice(0, start) + text + box.value.slice(end);
      box.focus();
      box.selectionStart = box.selectionEnd = start + text.length;
      count();
    });
  }
})();
