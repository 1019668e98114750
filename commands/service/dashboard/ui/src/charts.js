// The bar charts of the reports and chains pages, drawn by Chart.js on a <canvas>.
// Only the parts a horizontal bar chart needs are registered, so the bundle carries no
// other chart type. The canvas is an image to assistive technology: its text alternative
// names every bar and its value, and each page shows the same figures as a table beside it.

import { BarController, BarElement, CategoryScale, Chart, LinearScale } from "chart.js";
import { h } from "./dom.js";

Chart.register(BarController, BarElement, CategoryScale, LinearScale);

// The stylesheet's --accent and --fg (app.css): a canvas cannot read CSS variables itself.
const ACCENT = "#1d4f91";
const TEXT = "#1b1f24";
const ROW_HEIGHT = 24;

/** The text alternative: the title, then "label: value" for every bar. */
export function describe(title, bars) {
  return `${title}: ${bars.map(([label, value]) => `${label}: ${value}`).join("; ") || "no data"}`;
}

/** A <figure> with a captioned bar chart of `bars` ([label, value] pairs, in order). */
export function barChart(title, bars) {
  const canvas = h("canvas", { role: "img", "aria-label": describe(title, bars) });
  const box = h("div", { class: "chart-box" }, canvas);
  // Set through the CSSOM (allowed by the CSP's style-src, unlike a style attribute).
  box.style.height = `${Math.max(2, bars.length) * ROW_HEIGHT + 40}px`;
  new Chart(canvas, {
    type: "bar",
    data: {
      labels: bars.map(([label]) => (label.length > 30 ? label.slice(0, 29) + "…" : label)),
      datasets: [{ label: title, data: bars.map(([, value]) => value), backgroundColor: ACCENT }],
    },
    options: {
      indexAxis: "y",
      animation: false,
      responsive: true,
      maintainAspectRatio: false,
      events: [],
      scales: {
        x: { beginAtZero: true, ticks: { color: TEXT, precision: 0 } },
        y: { ticks: { color: TEXT } },
      },
    },
  });
  return h("figure", { class: "chart" }, h("figcaption", {}, title), box);
}

/** The figures a drawn chart holds (for the browser tests): labels and values. */
export function chartData(canvas) {
  const chart = Chart.getChart(canvas);
  if (!chart) return null;
  return { labels: [...chart.data.labels], values: [...chart.data.datasets[0].data] };
}

/** Release the charts under `element` before it is emptied (their resize observers). */
export function releaseCharts(element) {
  for (const canvas of element.querySelectorAll("canvas")) Chart.getChart(canvas)?.destroy();
}
