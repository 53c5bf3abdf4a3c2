// The Performance page's trend charts: one line chart per indicator, drawn from the JSON in each
// canvas's data-chart attribute (no inline script: the pages' CSP forbids it). Colours follow the
// stylesheet's variables, so light and dark mode both read well.
(function () {
  "use strict";
  function colour(name) {
    return getComputedStyle(document.documentElement).getPropertyValue(name).trim() || "#888";
  }
  // A day ("2026-12-06") the page's language's way ("6 déc.", "6 Dec").
  var dayFormat = new Intl.DateTimeFormat(document.documentElement.lang || "en", { day: "numeric", month: "short", timeZone: "UTC" });
  function dayLabel(day) {
    return dayFormat.format(new Date(day + "T00:00:00Z"));
  }
  function draw(canvas) {
    var data = JSON.parse(canvas.dataset.chart);
    var palette = { cdiscount: colour("--accent"), cdlink: colour("--ok") };
    var datasets = Object.keys(data.series).map(function (source) {
      return {
        label: canvas.dataset["label" + source.charAt(0).toUpperCase() + source.slice(1)] || source,
        data: data.series[source],
        borderColor: palette[source] || colour("--muted"),
        backgroundColor: palette[source] || colour("--muted"),
        spanGaps: true,
        tension: 0.2,
      };
    });
    datasets.push({
      label: canvas.dataset.labelThreshold,
      data: data.days.map(function () { return data.threshold; }),
      borderColor: colour("--error"),
      borderDash: [6, 4],
      pointRadius: 0,
    });
    if (canvas.chart) { canvas.chart.destroy(); }
    canvas.chart = new window.Chart(canvas, {
      type: "line",
      data: { labels: data.days.map(dayLabel), datasets: datasets },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        color: colour("--text"),
        scales: {
          x: { ticks: { color: colour("--muted"), maxTicksLimit: 6 }, grid: { color: colour("--border") } },
          y: { ticks: { color: colour("--muted") }, grid: { color: colour("--border") } },
        },
        plugins: { legend: { labels: { color: colour("--text") } } },
      },
    });
  }
  function drawAll() {
    if (!window.Chart) { return; }
    document.querySelectorAll("canvas[data-chart]").forEach(draw);
  }
  document.addEventListener("DOMContentLoaded", drawAll);
  // The theme button flips the colours: draw again in the new ones.
  new MutationObserver(drawAll).observe(document.documentElement, { attributes: true, attributeFilter: ["data-theme", "class"] });
})();
