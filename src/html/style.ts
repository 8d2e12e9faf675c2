/**
 * The report's only stylesheet, inlined (the page must not fetch anything). Readable at 1280 px and on a
 * phone: content is capped in width, charts scale down with the viewport and wide tables scroll sideways
 * inside their own box instead of widening the page.
 */
export const REPORT_CSS = `
:root { --ink: #1F2933; --muted: #52606D; --line: #E4E7EB; --soft: #F5F7FA; --accent: #0072B2; }
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; text-size-adjust: 100%; }
body { margin: 0; color: var(--ink); background: #FFFFFF; font: 15px/1.45 'DejaVu Sans', Verdana, 'Bitstream Vera Sans', system-ui, sans-serif; }
header, nav, main, footer { max-width: 1200px; margin: 0 auto; padding: 0 24px; }
header { padding-top: 24px; }
h1 { font-size: 26px; margin: 0 0 4px; }
h2 { font-size: 20px; margin: 32px 0 12px; padding-bottom: 4px; border-bottom: 2px solid var(--line); }
h3 { font-size: 16px; margin: 24px 0 8px; }
.window { font-size: 17px; margin: 0 0 8px; color: var(--muted); }
.meta { display: grid; grid-template-columns: max-content 1fr; gap: 2px 12px; margin: 0; font-size: 13px; color: var(--muted); }
.meta dt { font-weight: bold; }
.meta dd { margin: 0; overflow-wrap: anywhere; }
nav { display: flex; flex-wrap: wrap; gap: 4px 14px; padding-top: 12px; padding-bottom: 12px; font-size: 14px; border-bottom: 1px solid var(--line); }
nav a { color: var(--accent); text-decoration: none; }
nav a:hover, nav a:focus { text-decoration: underline; }
.kpis { display: grid; grid-template-columns: repeat(auto-fit, minmax(190px, 1fr)); gap: 12px; margin-top: 20px; }
.kpi { background: var(--soft); border: 1px solid var(--line); border-radius: 6px; padding: 12px 14px; }
.kpi-label { font-size: 13px; color: var(--muted); }
.kpi-value { font-size: 24px; font-weight: bold; font-variant-numeric: tabular-nums; overflow-wrap: anywhere; }
.kpi-detail { font-size: 13px; color: var(--muted); }
figure.chart { margin: 0 0 24px; }
.chart-scroll { overflow-x: auto; -webkit-overflow-scrolling: touch; }
figure.chart svg { display: block; width: 100%; max-width: 800px; height: auto; }
figcaption { font-size: 13px; color: var(--muted); margin-top: 4px; }
/* Right under its chart's caption (a figure's caption must be its last child, so the list follows the figure). */
.chart-figures { font-size: 13px; margin: -20px 0 24px; overflow-wrap: anywhere; }
.chart-figures ul { margin: 4px 0 0; padding-left: 20px; }
.table-wrap { overflow-x: auto; -webkit-overflow-scrolling: touch; margin: 0 0 16px; border: 1px solid var(--line); border-radius: 6px; }
table { border-collapse: collapse; width: 100%; font-size: 14px; }
caption { text-align: left; font-size: 13px; color: var(--muted); padding: 8px 10px 4px; caption-side: top; }
th, td { padding: 5px 10px; border-bottom: 1px solid var(--line); text-align: left; vertical-align: top; }
thead th { background: var(--soft); font-size: 13px; white-space: nowrap; cursor: pointer; position: sticky; top: 0; }
/* The sort script puts each header's text in a button: it reads as the header it was. */
thead th button { font: inherit; color: inherit; background: none; border: 0; padding: 0; margin: 0; cursor: pointer; text-align: inherit; }
thead th[aria-sort="ascending"]::after { content: " \\2191"; }
thead th[aria-sort="descending"]::after { content: " \\2193"; }
tbody th { font-weight: normal; }
.num { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
/* Names may be any length: they wrap anywhere, but never below a readable column width (the table scrolls instead). */
.name { min-width: 8em; max-width: 32em; overflow-wrap: anywhere; }
tbody th.name { min-width: 10em; }
td.change { min-width: 18em; }
tbody tr:nth-child(even) { background: #FAFBFC; }
code { font-family: 'DejaVu Sans Mono', Menlo, Consolas, monospace; font-size: 13px; background: var(--soft); padding: 0 3px; border-radius: 3px; overflow-wrap: anywhere; }
.warnings { margin: 12px 0 0; padding: 8px 12px; border-left: 4px solid #B8420F; background: #FFF8F1; font-size: 14px; overflow-wrap: anywhere; }
.warnings ul { margin: 4px 0 0; padding-left: 20px; }
.note, .empty { font-size: 13px; color: var(--muted); }
.opportunities { padding-left: 22px; }
.opportunity { margin-bottom: 12px; }
.opp-title { font-weight: bold; overflow-wrap: anywhere; }
.opp-value { color: #B8420F; font-weight: bold; white-space: nowrap; }
.opp-evidence, .opp-change { font-size: 14px; overflow-wrap: anywhere; }
.label { color: var(--muted); }
footer { margin-top: 32px; padding-bottom: 32px; font-size: 12px; color: var(--muted); border-top: 1px solid var(--line); }
@media (max-width: 600px) {
  body { font-size: 14px; }
  header, nav, main, footer { padding: 0 12px; }
  header { padding-top: 16px; }
  h1 { font-size: 21px; }
  .kpis { grid-template-columns: repeat(2, minmax(0, 1fr)); gap: 8px; }
  .kpi { padding: 8px 10px; }
  .kpi-value { font-size: 19px; }
  table { font-size: 13px; }
  th, td { padding: 4px 8px; }
  nav { padding-top: 8px; padding-bottom: 8px; }
  .name { min-width: 7em; }
  tbody th.name { min-width: 8em; }
  td.change { min-width: 15em; }
  figure.chart svg { min-width: 600px; }
}
/* A printed or PDF report keeps the charts' figures as text: a folded details element would print as its summary alone. */
@media print { nav { display: none; } .table-wrap { overflow: visible; } thead th { position: static; } details::details-content { content-visibility: visible; display: block; } }
`
