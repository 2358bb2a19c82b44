// Draws the overview's Plotly charts from the JSON the server rendered, sends a click on a bar, point or
// slice to the mention list behind it, and loads the slower panels. No HTML is built here: panels are
// server-rendered (and escaped) fragments.
(function () {
  "use strict";
  // Picking a period from the menu replaces a range of dates typed beside it.
  var period = document.querySelector("select[data-period]");
  if (period) {
    period.addEventListener("change", function () {
      document.querySelectorAll("input[data-date]").forEach(function (input) { input.value = ""; });
    });
  }

  var source = document.getElementById("charts");
  if (!source) return;
  var charts = JSON.parse(source.textContent);
  var empty = source.dataset.empty || "";

  function drillUrl(point) {
    var url = point && point.customdata;
    if (Array.isArray(url)) url = url[0];
    return typeof url === "string" && url.indexOf("/mentions?") === 0 ? url : null;
  }

  document.querySelectorAll("[data-chart]").forEach(function (el) {
    var figure = charts[el.dataset.chart];
    var hasData = figure && figure.data.some(function (trace) {
      return (trace.y || trace.x || trace.values || []).some(function (v) { return v; });
    });
    if (!hasData) {
      el.classList.add("no-data");
      el.textContent = empty;
      el.dataset.ready = "empty";
      return;
    }
    Plotly.newPlot(el, figure.data, figure.layout, { displayModeBar: false, responsive: true });
    el.on("plotly_click", function (event) {
      var url = drillUrl(event.points && event.points[0]);
      if (url) window.location.assign(url);
    });
    el.dataset.ready = "yes";
  });

  document.querySelectorAll("[data-panel]").forEach(function (el) {
    fetch(el.dataset.panel, { credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.text() : Promise.reject(response.status); })
      .then(function (html) { el.innerHTML = html; el.dataset.ready = "yes"; })
      .catch(function () { el.textContent = el.dataset.failed; el.dataset.ready = "failed"; });
  });
})();
