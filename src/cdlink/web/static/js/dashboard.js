// The dashboard's charts and its refresh every minute, in place, keeping the chosen period.
// Data comes from the page (#dashboard-data) and then from GET /api/v1/dashboard with the
// page's own query; amounts and dates are formatted in the page's language and time zone.
(function () {
  "use strict";

  var root = document.getElementById("dashboard");
  var source = document.getElementById("dashboard-data");
  if (!root || !source || !window.Chart) { return; }
  var language = root.getAttribute("data-language") || "en";
  var zone = root.getAttribute("data-zone") || "UTC";
  // A colon after a label: French puts a narrow no-break space before it.
  var colon = language === "fr" ? "\u202f: " : ": ";
  var data = JSON.parse(source.textContent);
  var salesChart = null;
  var statusChart = null;

  function css(name) {
    return getComputedStyle(document.documentElement).getPropertyValue(name).trim();
  }

  function palette() {
    return [css("--accent"), css("--ok"), css("--warn"), css("--error"), css("--muted"),
      "#8b5cf6", "#0ea5e9", "#f97316"];
  }

  function money(value, currency) {
    if (value === null || value === undefined) { return "—"; }
    return new Intl.NumberFormat(language, { style: "currency", currency: currency }).format(Number(value));
  }

  function number(value) {
    if (value === null || value === undefined) { return "—"; }
    return new Intl.NumberFormat(language).format(Number(value));
  }

  function percent(value) {
    if (value === null || value === undefined) { return "—"; }
    return new Intl.NumberFormat(language, { minimumFractionDigits: 1, maximumFractionDigits: 1 })
      .format(Number(value)) + "\u202f%";
  }

  function delta(value, points) {
    if (value === null || value === undefined) { return "—"; }
    var amount = Number(value);
    var sign = amount > 0 ? "+" : (amount < 0 ? "\u2212" : "\u00b1");
    var text = new Intl.NumberFormat(language, { minimumFractionDigits: 1, maximumFractionDigits: 1 })
      .format(Math.abs(amount));
    return sign + text + "\u202f" + (points ? "pt" : "%");
  }

  function label(start, hourly) {
    var options = hourly
      ? { hour: "2-digit", minute: "2-digit", timeZone: zone }
      : { day: "numeric", month: "short", timeZone: zone };
    return new Intl.DateTimeFormat(language, options).format(new Date(start));
  }

  function hourly(answer) {
    var days = (new Date(answer.period.end) - new Date(answer.period.start)) / 86400000;
    return days <= 2.05;
  }

  function format(kind, value, currency) {
    if (kind === "money") { return money(value, currency); }
    if (kind === "percent") { return percent(value); }
    return number(value);
  }

  function updateFigures(answer) {
    root.querySelectorAll("[data-kpi]").forEach(function (card) {
      var name = card.getAttribute("data-kpi");
      var kind = card.getAttribute("data-kind");
      var kpi = answer[name];
      card.querySelector("[data-role=value]").textContent = format(kind, kpi.value, answer.currency);
      card.querySelector("[data-role=previous]").textContent = format(kind, kpi.previous, answer.currency);
      var badge = card.querySelector("[data-role=delta]");
      badge.textContent = delta(kpi.delta, name === "sync_health");
      var direction = kpi.delta === null ? "flat" : (Number(kpi.delta) > 0 ? "up" : (Number(kpi.delta) < 0 ? "down" : "flat"));
      badge.className = "delta " + direction;
    });
    var line = answer.status_line;
    ["queue_jobs", "errors", "out_of_stock"].forEach(function (name) {
      var target = root.querySelector("[data-role=" + name + "]");
      if (target) { target.textContent = number(line[name]); }
    });
    var rate = root.querySelector("[data-role=sync_rate]");
    if (rate) { rate.textContent = percent(line.sync_rate); }
    var statuses = root.querySelector("[data-role=statuses]");
    if (statuses && answer.statuses.length) {
      var items = answer.statuses.map(function (item) {
        var entry = document.createElement("li");
        var link = document.createElement("a");
        link.href = "/orders?status=" + encodeURIComponent(item.status);
        link.textContent = item.label;
        entry.appendChild(link);
        entry.appendChild(document.createTextNode(colon + number(item.orders)));
        return entry;
      });
      statuses.replaceChildren.apply(statuses, items);
    }
    var feed = root.querySelector("[data-role=activity]");
    if (feed && answer.activity.length) {
      var entries = answer.activity.map(function (item) {
        var entry = document.createElement("li");
        entry.className = "level-" + item.level;
        entry.setAttribute("data-type", item.type);
        var badge = document.createElement("span");
        badge.className = "badge " + (item.level === "error" ? "error" : (item.level === "warning" ? "warning" : "neutral"));
        badge.textContent = item.type_label;
        var link = document.createElement("a");
        link.href = item.link;
        link.textContent = item.message;
        var time = document.createElement("time");
        time.className = "muted";
        time.setAttribute("datetime", item.occurred_at);
        time.textContent = new Intl.DateTimeFormat(language, { day: "numeric", month: "short", year: "numeric", hour: "2-digit", minute: "2-digit", hourCycle: "h23", timeZone: zone })
          .format(new Date(item.occurred_at));
        entry.append(badge, " ", link, " ", time);
        return entry;
      });
      feed.replaceChildren.apply(feed, entries);
    }
  }

  function salesConfig(answer) {
    var colors = palette();
    var isHourly = hourly(answer);
    return {
      labels: answer.series.map(function (point) { return label(point.start, isHourly); }),
      revenue: answer.series.map(function (point) { return Number(point.revenue); }),
      orders: answer.series.map(function (point) { return point.orders; }),
      colors: colors
    };
  }

  function themeOptions(chart) {
    var text = css("--muted");
    var grid = css("--border");
    Chart.defaults.color = text;
    Chart.defaults.borderColor = grid;
    if (!chart) { return; }
    Object.keys(chart.options.scales || {}).forEach(function (key) {
      chart.options.scales[key].ticks.color = text;
      chart.options.scales[key].grid.color = grid;
    });
    if (chart.options.plugins && chart.options.plugins.legend) {
      chart.options.plugins.legend.labels.color = css("--text");
    }
  }

  function drawSales(answer) {
    var canvas = document.getElementById("sales-chart");
    if (!canvas) { return; }
    var series = salesConfig(answer);
    var labels = { revenue: root.getAttribute("data-label-revenue"), orders: root.getAttribute("data-label-orders") };
    if (salesChart) {
      salesChart.data.labels = series.labels;
      salesChart.data.datasets[0].data = series.revenue;
      salesChart.data.datasets[1].data = series.orders;
      salesChart.update("none");
      return;
    }
    themeOptions(null);
    salesChart = new Chart(canvas, {
      type: "line",
      data: {
        labels: series.labels,
        datasets: [
          { label: labels.revenue, data: series.revenue, borderColor: series.colors[0], backgroundColor: series.colors[0],
            yAxisID: "revenue", tension: 0.25, pointRadius: 2, order: 1 },
          { type: "bar", label: labels.orders, data: series.orders, borderColor: series.colors[1],
            backgroundColor: series.colors[1], yAxisID: "orders", order: 2, barPercentage: 0.6 }
        ]
      },
      options: {
        responsive: true, maintainAspectRatio: false, animation: false,
        interaction: { mode: "index", intersect: false },
        plugins: {
          legend: { labels: { color: css("--text") } },
          tooltip: { callbacks: { label: function (context) {
            if (context.dataset.yAxisID === "revenue") { return context.dataset.label + colon + money(context.parsed.y, data.currency); }
            return context.dataset.label + colon + number(context.parsed.y);
          } } }
        },
        scales: {
          x: { ticks: { color: css("--muted"), maxRotation: 0, autoSkip: true }, grid: { color: css("--border") } },
          revenue: { position: "left", beginAtZero: true, ticks: { color: css("--muted"),
            callback: function (value) { return money(value, data.currency); } }, grid: { color: css("--border") } },
          orders: { position: "right", beginAtZero: true, ticks: { color: css("--muted"), precision: 0 },
            grid: { drawOnChartArea: false, color: css("--border") } }
        }
      }
    });
  }

  function drawStatuses(answer) {
    var canvas = document.getElementById("status-chart");
    if (!canvas) { return; }
    var labels = answer.statuses.map(function (item) { return item.label; });
    var counts = answer.statuses.map(function (item) { return item.orders; });
    if (statusChart) {
      statusChart.data.labels = labels;
      statusChart.data.datasets[0].data = counts;
      statusChart.data.datasets[0].backgroundColor = palette();
      statusChart.update("none");
      return;
    }
    statusChart = new Chart(canvas, {
      type: "doughnut",
      data: { labels: labels, datasets: [{ data: counts, backgroundColor: palette(), borderColor: css("--surface") }] },
      options: { responsive: true, maintainAspectRatio: false, animation: false,
        plugins: { legend: { position: "bottom", labels: { color: css("--text"), boxWidth: 12 } } } }
    });
  }

  function recolor() {
    [salesChart, statusChart].forEach(function (chart) {
      if (!chart) { return; }
      themeOptions(chart);
      if (chart === statusChart) {
        chart.data.datasets[0].backgroundColor = palette();
        chart.data.datasets[0].borderColor = css("--surface");
      } else {
        var colors = palette();
        chart.data.datasets[0].borderColor = colors[0];
        chart.data.datasets[0].backgroundColor = colors[0];
        chart.data.datasets[1].borderColor = colors[1];
        chart.data.datasets[1].backgroundColor = colors[1];
      }
      chart.update("none");
    });
  }

  function refresh() {
    var query = window.location.search || "";
    return fetch("/api/v1/dashboard" + query, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) { throw new Error("HTTP " + response.status); }
        return response.json();
      })
      .then(function (answer) {
        data = answer;
        updateFigures(answer);
        drawSales(answer);
        drawStatuses(answer);
        root.setAttribute("data-refreshed", new Date().toISOString());
        var stamp = root.querySelector("[data-role=refreshed]");
        if (stamp) {
          stamp.textContent = "· " + new Intl.DateTimeFormat(language, { timeStyle: "short", timeZone: zone }).format(new Date());
        }
      })
      .catch(function () { root.setAttribute("data-refresh-failed", "true"); });
  }

  drawSales(data);
  drawStatuses(data);
  root.setAttribute("data-charts", "drawn");
  new MutationObserver(recolor).observe(document.documentElement, { attributes: true, attributeFilter: ["data-theme"] });
  if (window.matchMedia) {
    window.matchMedia("(prefers-color-scheme: dark)").addEventListener("change", recolor);
  }
  var seconds = Number(root.getAttribute("data-refresh")) || 60;
  window.setInterval(refresh, seconds * 1000);
  // Tests (and a curious seller) can ask for a refresh now.
  root.addEventListener("dashboard:refresh", refresh);
})();
