/* Draws the dashboard's charts with the vendored Chart.js from the JSON the page embeds.
   The tables beside each chart hold the same numbers (for screen readers and printing). */
(function () {
  "use strict";
  var source = document.getElementById("chart-data");
  if (!source || typeof window.Chart === "undefined") { return; }
  var data = JSON.parse(source.textContent);
  var names = JSON.parse(document.getElementById("chart-names").textContent);
  var blue = "#1f5fa8", green = "#2e8b57";

  function draw(id, labels, datasets, horizontal) {
    var canvas = document.getElementById(id);
    if (!canvas) { return; }
    canvas.chart = new window.Chart(canvas, {
      type: "bar",
      data: { labels: labels, datasets: datasets },
      options: {
        indexAxis: horizontal ? "y" : "x", responsive: true, maintainAspectRatio: false, animation: false,
        plugins: { legend: { display: datasets.length > 1 } },
        scales: { x: { beginAtZero: true, ticks: { precision: 0 } }, y: { beginAtZero: true, ticks: { precision: 0 } } }
      }
    });
    canvas.setAttribute("data-drawn", "true");
  }
  function filedAndApproved(part) {
    return [{ label: names.filed, data: part.counts, backgroundColor: blue },
            { label: names.approved, data: part.approved, backgroundColor: green }];
  }

  draw("chart-applications", data.applications.labels, [{ label: names.applications, data: data.applications.counts, backgroundColor: blue }], true);
  draw("chart-projects", data.projects.labels, [{ label: names.projects, data: data.projects.counts, backgroundColor: green }], true);
  draw("chart-prefectures", data.prefectures.labels, filedAndApproved(data.prefectures), true);
  draw("chart-categories", data.categories.labels, filedAndApproved(data.categories), true);
  draw("chart-domains", data.domains.labels, filedAndApproved(data.domains), true);
  draw("chart-days", data.days.labels, [{ label: names.days, data: data.days.values, backgroundColor: "#b5651d" }], true);
})();
