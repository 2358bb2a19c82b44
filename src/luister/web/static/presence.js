// Collision warning on a conversation: while the page is visible, tell the server every second that this
// person has it open (and whether they typed a reply or a note in the last 3 s), and show who else is
// viewing or typing. Names are set as text, never as HTML; no inline handlers (CSP).
(function () {
  "use strict";

  var banner = document.getElementById("presence");
  if (!banner || !window.fetch) return;
  var TYPING_MS = 3000;
  var lastTyped = 0;
  var busy = false;

  function typingTarget(node) {
    if (!node || !node.matches) return false;
    return node.matches("textarea[name=body]") || node.matches("[data-typing]") || !!node.closest("[data-typing]");
  }

  document.addEventListener("input", function (event) {
    if (typingTarget(event.target)) {
      var first = Date.now() - lastTyped >= TYPING_MS;
      lastTyped = Date.now();
      if (first) ping();  // others see it start at once, not a second later
    }
  }, true);

  function names(list) {
    if (list.length < 2) return list.join("");
    return list.slice(0, -1).join(", ") + " " + banner.dataset.and + " " + list[list.length - 1];
  }

  function line(list, one, many) {
    return (list.length > 1 ? many : one).replace("%(names)s", names(list));
  }

  function show(found) {
    var viewing = (found.viewing || []).filter(function (who) { return (found.typing || []).indexOf(who) < 0; });
    var parts = [];
    if ((found.typing || []).length) parts.push(line(found.typing, banner.dataset.typingOne, banner.dataset.typingMany));
    if (viewing.length) parts.push(line(viewing, banner.dataset.viewingOne, banner.dataset.viewingMany));
    banner.textContent = parts.join(" · ");
    banner.hidden = parts.length === 0;
    banner.classList.toggle("typing", (found.typing || []).length > 0);
  }

  function ping() {
    if (busy || document.visibilityState !== "visible") return;
    busy = true;
    var body = new URLSearchParams();
    body.set("csrf", banner.dataset.csrf);
    body.set("typing", Date.now() - lastTyped < TYPING_MS ? "1" : "0");
    fetch(banner.dataset.url, { method: "POST", body: body, credentials: "same-origin",
                                headers: { "Accept": "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (found) { if (found) show(found); })
      .catch(function () { /* offline for a moment: the next ping tries again */ })
      .then(function () { busy = false; });
  }

  ping();
  setInterval(ping, 500);  // both sides ping twice a second: a colleague shows within about a second
  document.addEventListener("visibilitychange", ping);
})();
