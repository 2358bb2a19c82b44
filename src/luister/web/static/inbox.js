// The inbox's keyboard shortcuts, "select all" and the canned-response picker. Everything here is also
// reachable without it (links, buttons, the picker's own form); no HTML is built, no inline handlers (CSP).
//   j / k      next / previous conversation in the list     Enter / o  open it
//   a          assign to me (the list's current row, or the conversation shown)
//   e          resolve (likewise)                            r          the note box on a conversation
//   ?          show or hide the shortcuts
(function () {
  "use strict";

  var rows = Array.prototype.slice.call(document.querySelectorAll("[data-rows] > li"));
  var bulk = document.getElementById("bulk");
  var current = -1;

  function typing(target) {
    var tag = target && target.tagName;
    return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || (target && target.isContentEditable);
  }

  function select(index) {
    if (!rows.length) return;
    current = Math.max(0, Math.min(rows.length - 1, index));
    rows.forEach(function (row, n) { row.classList.toggle("current", n === current); });
    var link = rows[current].querySelector("a.subject");
    if (link) link.focus();
    rows[current].scrollIntoView({ block: "nearest" });
  }

  function onlyCurrent(operation) {  // the bulk form, for the current row alone
    if (!bulk || current < 0) return false;
    var box = rows[current].querySelector("input[name=id]");
    var chooser = bulk.querySelector("select[name=operation]");
    if (!box || !chooser) return false;
    bulk.querySelectorAll("input[name=id]").forEach(function (other) { other.checked = false; });
    box.checked = true;
    chooser.value = operation;
    bulk.submit();
    return true;
  }

  function press(name) {  // a conversation page's button for this shortcut
    var button = document.querySelector("[data-shortcut='" + name + "']");
    if (!button) return false;
    button.click();
    return true;
  }

  function toggleHelp() {
    var help = document.getElementById("shortcuts");
    if (help) help.open = !help.open;
  }

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) return;
    var done = false;
    switch (event.key) {
      case "j": select(current + 1); done = rows.length > 0; break;
      case "k": select(current - 1); done = rows.length > 0; break;
      case "o":
      case "Enter":
        if (current >= 0 && document.activeElement !== rows[current].querySelector("a.subject")) {
          rows[current].querySelector("a.subject").click();
          done = true;
        }
        break;
      case "a": done = onlyCurrent("assign_me") || press("a"); break;
      case "e": done = onlyCurrent("resolve") || press("e"); break;
      case "r": {
        var note = document.getElementById("note");
        if (note) { note.focus(); done = true; }
        break;
      }
      case "?": toggleHelp(); done = true; break;
    }
    if (done) event.preventDefault();
  });

  rows.forEach(function (row, n) {
    row.addEventListener("focusin", function () {
      current = n;
      rows.forEach(function (other, m) { other.classList.toggle("current", m === n); });
    });
  });

  var all = document.querySelector("[data-select-all]");
  if (all && bulk) {
    all.addEventListener("change", function () {
      bulk.querySelectorAll("input[name=id]").forEach(function (box) { box.checked = all.checked; });
    });
  }

  // The canned-response picker: without this script it reloads the page with the text in the box;
  // with it, the chosen text goes in at the cursor and what was typed stays.
  var picker = document.querySelector("form[data-canned]");
  var box = document.getElementById("note");
  if (picker && box) {
    picker.addEventListener("submit", function (event) {
      var chosen = picker.querySelector("select option:checked");
      var text = chosen && chosen.dataset.text;
      if (!text) return;
      event.preventDefault();
      var start = box.selectionStart || 0, end = box.selectionEnd || 0;
      box.value = box.value.slice(0, start) + text + box.value.slice(end);
      box.focus();
      box.selectionStart = box.selectionEnd = start + text.length;
    });
  }
})();
