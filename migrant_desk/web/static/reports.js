// The reports page: a date range and a label language; every report comes from /v1/reports/charts as a title, a
// chart the server drew (SVG) and its data table; each can be downloaded as CSV (/v1/reports/{id}.csv).
// The SVG is parsed as SVG (never as HTML) and imported; the table is built with textContent only.
"use strict";
(function () {
  const { $, el, api, fail, signIn } = window.Staff;
  const config = JSON.parse($("config").textContent);
  const t = config.strings;
  const day = (d) => d.toISOString().slice(0, 10);

  function chartFigure(chart) {
    const svgDoc = new DOMParser().parseFromString(chart.svg, "image/svg+xml");
    const drawing = svgDoc.documentElement.nodeName === "svg" ? document.importNode(svgDoc.documentElement, true) : null;
    const headingId = "chart-" + chart.id;
    const table = el("table", { class: "data" },
      el("caption", { text: chart.title }),
      el("thead", {}, el("tr", {}, ...chart.table.labels.map((label) => el("th", { scope: "col", text: label })))),
      el("tbody", {}, ...chart.table.rows.map((row) => el("tr", {},
        ...row.map((value, i) => el(i === 0 ? "th" : "td", i === 0 ? { scope: "row", text: value ?? "" } :
          { text: value === null ? "–" : String(value) }))))));
    const download = el("button", { type: "button", class: "secondary", onclick: () => downloadCsv(chart.id) },
      t.report_download_csv);
    return el("section", { class: "panel report", "aria-labelledby": headingId },
      el("h2", { id: headingId, text: chart.title }),
      drawing ? el("div", { class: "chart" }, drawing) : null,
      el("p", { class: "report-actions" }, download,
        chart.link ? el("a", { href: chart.link, text: chart.link_label || chart.link }) : null),
      el("details", {}, el("summary", { text: t.report_data_table }), el("div", { class: "table-wrap" }, table)));
  }

  function query() {
    return `since=${encodeURIComponent($("r-since").value)}&until=${encodeURIComponent($("r-until").value)}`;
  }

  async function downloadCsv(id) {
    // A plain link cannot send the staff token: fetch the CSV and hand the browser a local file.
    const response = await fetch(`/v1/reports/${id}.csv?${query()}`, {
      headers: { Authorization: "Bearer " + sessionStorage.getItem("migrant-desk.staff-token") } });
    if (!response.ok) { fail(`The download failed (HTTP ${response.status}).`); return; }
    const url = URL.createObjectURL(await response.blob());
    const link = el("a", { href: url, download: `${id}_${$("r-since").value}_${$("r-until").value}.csv` });
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
  }

  async function load() {
    const lang = $("r-lang").value;
    const result = await api(`/v1/reports/charts?${query()}&lang=${encodeURIComponent(lang)}`);
    if (!result.ok) { fail(result); return; }
    $("charts").replaceChildren(...result.data.map(chartFigure));
    document.body.dataset.ready = "true";
  }

  $("range").addEventListener("submit", (event) => {
    event.preventDefault();
    if ($("r-lang").value !== config.lang) {  // labels of the page itself come with the page
      window.location.search = `?lang=${encodeURIComponent($("r-lang").value)}&${query()}`;
      return;
    }
    load();
  });

  signIn(["editor", "admin"], () => {
    const params = new URLSearchParams(window.location.search);
    const until = new Date();
    const since = new Date(until.getTime() - 29 * 86400000);
    $("r-since").value = params.get("since") || day(since);
    $("r-until").value = params.get("until") || day(until);
    load();
  });
})();
