// Live query testing on the topic form: while the query is typed (debounced), ask the server what it
// catches and show the server-rendered fragment (escaped by Jinja2). No HTML is built here.
(function () {
  "use strict";
  var DELAY = 400;

  function attach(input) {
    var target = document.getElementById(input.dataset.queryTest);
    var url = input.dataset.queryTestUrl;
    if (!target || !url) return;
    var timer = null;
    var controller = null;
    var latest = "";
    var period = document.querySelector('[data-query-test-period="' + input.dataset.queryTest + '"]');

    function say(message) {
      target.textContent = "";
      var p = document.createElement("p");
      p.className = "trial trial-error";
      p.textContent = message;
      target.appendChild(p);
    }

    function run() {
      clearTimeout(timer);
      var query = input.value;
      var days = period ? period.value : "";
      if (query + "\n" + days === latest) return;
      latest = query + "\n" + days;
      if (controller) controller.abort();
      controller = new AbortController();
      target.setAttribute("aria-busy", "true");
      fetch(url + "?" + new URLSearchParams({ q: query, days: days }).toString(), {
        signal: controller.signal,
        credentials: "same-origin",
        headers: { Accept: "text/html" },
      })
        .then(function (response) {
          if (response.redirected) {  // the session ended: the answer is the login page
            say(target.dataset.signedOut);
            return;
          }
          if (!response.ok && response.status !== 400) throw new Error(String(response.status));
          return response.text().then(function (html) {
            if (query === input.value && days === (period ? period.value : "")) {
              target.innerHTML = html;  // only the newest answer
            }
          });
        })
        .catch(function (error) {
          if (error.name !== "AbortError") {
            latest = "";
            say(target.dataset.failed);
          }
        })
        .finally(function () {
          target.removeAttribute("aria-busy");
        });
    }

    if (period) period.addEventListener("change", run);
    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(run, DELAY);
    });
    document.querySelectorAll('[data-query-test-run="' + input.dataset.queryTest + '"]').forEach(function (button) {
      button.addEventListener("click", function (event) {  // without JS the button submits the form instead
        event.preventDefault();
        latest = "";
        run();
      });
    });
  }

  document.querySelectorAll("[data-query-test]").forEach(attach);
})();
