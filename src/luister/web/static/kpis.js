// Draws the KPI page's chart from the JSON the server rendered; a click on a point opens the page that
// lists what that value counts (an address on this site only). No HTML is built here.
(function () {
  "use strict";
  var source = document.getElementById("charts");
  if (!source || typeof Plotly === "undefined") return;
  var charts = JSON.parse(source.textContent);
  document.querySelectorAll("[data-chart]").forEach(function (el) {
    var figure = charts[el.dataset.chart];
    var hasData = figure && figure.data.some(function (trace) {
      return (trace.y || []).some(function (v) { return v !== null; });
    });
    if (!hasData) {
      el.textContent = source.dataset.empty || "";
      el.dataset.ready = "empty";
      return;
    }
    Plotly.newPlot(el, figure.data, figure.layout, { displayModeBar: false, responsive: true });
    el.on("plotly_click", function (event) {
      var point = event.points && event.points[0];
      var url = point && point.customdata;
      if (typeof url === "string" && url.charAt(0) === "/" && url.charAt(1) !== "/") window.location.assign(url);
    });
    el.dataset.ready = "yes";
  });
})();
