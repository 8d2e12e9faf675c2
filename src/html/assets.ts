import {createHash} from 'node:crypto'

/**
 * The page's only CSS and script, inline so report.html is one self-contained file. Neither contains `<`
 * or `&`, which keeps the page well-formed XML (the tests validate it as such) without CDATA tricks.
 */
export const REPORT_CSS = `
:root { --ink: #1f2933; --muted: #52606d; --line: #e4e7eb; --bg: #f5f7fa; --card: #ffffff; --up: #b8420f; --down: #1a7f37; --accent: #0072b2; }
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; text-size-adjust: 100%; }
body { margin: 0; background: var(--bg); color: var(--ink); font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", "Helvetica Neue", Arial, sans-serif; }
main { max-width: 1200px; margin: 0 auto; padding: 24px 20px 48px; }
h1 { font-size: 1.6rem; margin: 0 0 4px; }
h2 { font-size: 1.25rem; margin: 0 0 12px; }
h3 { font-size: 1.05rem; margin: 20px 0 8px; }
p { margin: 6px 0; }
a { color: var(--accent); }
.meta { color: var(--muted); font-size: 0.9rem; }
nav ul { display: flex; flex-wrap: wrap; gap: 6px 14px; list-style: none; padding: 0; margin: 12px 0 0; font-size: 0.95rem; }
section { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 18px 20px; margin-top: 20px; }
.cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(200px, 1fr)); gap: 12px; }
.card { border: 1px solid var(--line); border-radius: 8px; padding: 12px 14px; background: var(--bg); }
.card .label { color: var(--muted); font-size: 0.85rem; }
.card .value { font-size: 1.55rem; font-weight: 700; font-variant-numeric: tabular-nums; overflow-wrap: anywhere; }
.card .detail { color: var(--muted); font-size: 0.85rem; }
.up { color: var(--up); }
.down { color: var(--down); }
.opportunities { padding-left: 1.4em; }
.opportunities li { margin-bottom: 12px; }
.opportunities .title { font-weight: 700; }
code { font: 0.9em/1.4 "DejaVu Sans Mono", Menlo, Consolas, monospace; background: var(--bg); border: 1px solid var(--line); border-radius: 4px; padding: 1px 4px; overflow-wrap: anywhere; }
figure { margin: 0 0 20px; }
figcaption { color: var(--muted); font-size: 0.85rem; margin-top: 4px; }
.chart { overflow-x: auto; }
.chart svg { display: block; width: 100%; max-width: 800px; min-width: 560px; height: auto; }
.table-wrap { overflow-x: auto; margin: 8px 0 16px; }
table { border-collapse: collapse; width: 100%; font-size: 0.9rem; }
caption { text-align: left; color: var(--muted); font-size: 0.85rem; padding-bottom: 4px; }
th, td { padding: 6px 10px; border-bottom: 1px solid var(--line); text-align: left; white-space: nowrap; vertical-align: top; }
th { background: var(--bg); font-weight: 600; }
.num { text-align: right; font-variant-numeric: tabular-nums; }
td.name { white-space: normal; overflow-wrap: anywhere; min-width: 12em; max-width: 36em; }
tfoot td { color: var(--muted); font-style: italic; }
tfoot tr.total td { color: var(--ink); font-style: normal; font-weight: 600; }
table.js-sort th { cursor: pointer; }
table.js-sort th[aria-sort="ascending"]::after { content: " \\25B2"; }
table.js-sort th[aria-sort="descending"]::after { content: " \\25BC"; }
.empty { color: var(--muted); font-style: italic; }
footer { color: var(--muted); font-size: 0.85rem; margin-top: 24px; }
@media (max-width: 640px) {
  body { font-size: 14px; }
  main { padding: 12px 8px 32px; }
  section { padding: 12px; }
  h1 { font-size: 1.3rem; }
  .card .value { font-size: 1.3rem; }
}
`

/** Click a column header to sort its table; the page reads fully without it (rows arrive sorted by credits). */
export const REPORT_SCRIPT = `
document.querySelectorAll('table.sortable').forEach(function (table) {
  table.classList.add('js-sort');
  var headers = table.tHead.rows[0].cells;
  Array.prototype.forEach.call(headers, function (th, column) {
    th.tabIndex = 0;
    function sort() {
      var descending = th.getAttribute('aria-sort') !== 'descending';
      Array.prototype.forEach.call(headers, function (other) { other.removeAttribute('aria-sort'); });
      th.setAttribute('aria-sort', descending ? 'descending' : 'ascending');
      var body = table.tBodies[0];
      var rows = Array.prototype.slice.call(body.rows);
      rows.sort(function (a, b) {
        var x = a.cells[column], y = b.cells[column];
        var vx = x.getAttribute('data-v'), vy = y.getAttribute('data-v');
        var order = (vx !== null) ? Number(vx) - Number(vy) : x.textContent.localeCompare(y.textContent);
        return descending ? -order : order;
      });
      rows.forEach(function (row) { body.appendChild(row); });
    }
    th.addEventListener('click', sort);
    th.addEventListener('keydown', function (event) { if (event.key === 'Enter') sort(); });
  });
});
`

/**
 * Only this exact script may run and nothing may be fetched: even if a name slipped past escaping, the
 * browser would refuse to execute or load it.
 */
export const CONTENT_SECURITY_POLICY = `default-src 'none'; style-src 'unsafe-inline'; img-src data:; script-src 'sha256-${createHash('sha256').update(REPORT_SCRIPT).digest('base64')}'`
