/**
 * Click-to-sort for the report tables. Progressive enhancement only: the tables are complete and ordered by
 * credits without it. Sorts by the exact `data-sort` value when a cell has one, else by text. Written without
 * `<` and `&` so the page stays well-formed XML even outside the CDATA block.
 */
export const SORT_SCRIPT = `(function () {
  function key(row, index) {
    var cell = row.cells[index];
    if (!cell) return '';
    var sort = cell.getAttribute('data-sort');
    return sort === null ? cell.textContent.trim().toLowerCase() : Number(sort);
  }
  document.querySelectorAll('table.sortable').forEach(function (table) {
    var headers = table.tHead ? table.tHead.rows[0].cells : [];
    Array.prototype.forEach.call(headers, function (th, index) {
      th.tabIndex = 0;
      th.setAttribute('aria-sort', 'none');
      function sort() {
        var ascending = th.getAttribute('aria-sort') === 'descending';
        Array.prototype.forEach.call(headers, function (other) { other.setAttribute('aria-sort', 'none'); });
        th.setAttribute('aria-sort', ascending ? 'ascending' : 'descending');
        var body = table.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows);
        rows.sort(function (a, b) {
          var x = key(a, index), y = key(b, index);
          var order = x === y ? 0 : (x > y ? 1 : -1);
          return ascending ? order : -order;
        });
        rows.forEach(function (row) { body.appendChild(row); });
      }
      th.addEventListener('click', sort);
      th.addEventListener('keydown', function (event) { if (event.key === 'Enter' || event.key === ' ') { event.preventDefault(); sort(); } });
    });
  });
})();`
