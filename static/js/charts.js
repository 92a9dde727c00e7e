/* Dashboard charts (DESIGN §8): draws each <figure data-chart="ID"> from the JSON its card put in
   <script type="application/json" id="ID"> (Django's json_script), with the vendored Chart.js.
   No inline script and no external host, as the content security policy demands. Until this runs
   (or without JavaScript) the card shows its table; once a chart is drawn the table stays in the
   page for screen readers (visually hidden) and a button shows it again. Labels use the page's
   font stack, so Chinese renders with the same CJK font as the text around it. */
(function () {
  "use strict";

  var PALETTE = ["--brand", "--ok", "--warn", "--bad", "--muted"];
  var FALLBACK = ["#1f5eff", "#18794e", "#a15c00", "#c62828", "#5d6b82"];

  function colours() {
    var root = getComputedStyle(document.documentElement);
    var palette = PALETTE.map(function (name, i) {
      return (root.getPropertyValue(name) || "").trim() || FALLBACK[i];
    });
    palette.tones = { ok: palette[1], warn: palette[2], bad: palette[3] };
    return palette;
  }

  function formatter(unit, currency, locale) {
    if (unit === "percent") {
      return function (v) { return v === null || v === undefined ? "—" : v + "%"; };
    }
    var options = unit === "money" ? { maximumFractionDigits: 0 } : {};
    var number = new Intl.NumberFormat(locale, options);
    return function (v) {
      if (v === null || v === undefined) { return "—"; }
      return unit === "money" && currency ? currency + " " + number.format(v) : number.format(v);
    };
  }

  function toggleButton(figure, table) {
    var button = document.createElement("button");
    button.type = "button";
    button.className = "btn secondary dash-chart-toggle";
    button.setAttribute("aria-controls", table.id);
    button.setAttribute("aria-expanded", "false");
    button.textContent = figure.dataset.tableShow;
    button.addEventListener("click", function () {
      var shown = table.classList.toggle("visually-hidden") === false;
      button.setAttribute("aria-expanded", shown ? "true" : "false");
      button.textContent = shown ? figure.dataset.tableHide : figure.dataset.tableShow;
    });
    return button;
  }

  function draw(figure, palette, locale) {
    var source = document.getElementById(figure.dataset.chart);
    var box = figure.querySelector(".dash-chart-canvas");
    var table = figure.querySelector(".dash-chart-table");
    if (!source || !box) { return; }
    var config = JSON.parse(source.textContent);
    var format = formatter(config.unit, config.currency, locale);
    var stacked = config.series.some(function (s) { return s.stack; });
    var datasets = config.series.map(function (s, i) {
      var colour = (s.tone && palette.tones[s.tone]) || palette[i % palette.length];
      return {
        type: s.kind,
        label: s.label,
        data: s.values,
        stack: s.stack || undefined,
        backgroundColor: s.kind === "line" ? colour : colour + "cc",
        borderColor: colour,
        borderWidth: s.kind === "line" ? 2 : 0,
        pointRadius: s.kind === "line" ? 2 : 0,
        spanGaps: true,
        tension: 0.2,
        order: s.kind === "line" ? 0 : 1
      };
    });
    var valueAxis = {
      beginAtZero: true,
      stacked: stacked,
      ticks: { callback: function (v) { return format(v); }, maxTicksLimit: 6 }
    };
    if (config.unit === "percent") { valueAxis.suggestedMax = 100; }
    if (config.unit === "count") { valueAxis.ticks.precision = 0; }
    var categoryAxis = { stacked: stacked, ticks: { autoSkip: true, maxRotation: 0 } };
    box.hidden = false;
    /* global Chart */
    new Chart(box.querySelector("canvas"), {
      type: config.kind,
      data: { labels: config.labels, datasets: datasets },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        indexAxis: config.horizontal ? "y" : "x",
        locale: locale,
        scales: config.horizontal ? { x: valueAxis, y: categoryAxis } : { x: categoryAxis, y: valueAxis },
        plugins: {
          legend: { display: config.series.length > 1, position: "bottom", labels: { boxWidth: 12 } },
          tooltip: {
            callbacks: {
              label: function (ctx) { return ctx.dataset.label + ": " + format(ctx.raw); }
            }
          }
        }
      }
    });
    if (table) {
      table.classList.add("visually-hidden");
      figure.appendChild(toggleButton(figure, table));
    }
  }

  function init() {
    if (typeof Chart === "undefined") { return; }
    var body = getComputedStyle(document.body);
    Chart.defaults.font.family = body.fontFamily;
    Chart.defaults.color = body.color;
    var palette = colours();
    var locale = document.documentElement.lang || "en";
    document.querySelectorAll("figure[data-chart]").forEach(function (figure) {
      draw(figure, palette, locale);
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
