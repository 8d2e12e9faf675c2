/**
 * Click-to-sort for the report tables. Progressive enhancement only: the tables are complete and ordered by
 * credits without it. Sorts by the exact `data-sort` value when a cell has one, else by text. Written without
 * `<` and `&` so the page stays well-formed XML even outside the CDATA block.
 *
 * Each header's text goes inside a <button> (WCAG 4.1.2): a focusable <th> is announced as a column header
 * only, so a screen reader never says it can be pressed; the button also brings Enter and Space for free.
 * aria-sort stays on the <th>, where screen readers read the sort state. A table arrives ordered (by credits,
 * mostly): the first column whose exact values already run from high to low is marked descending, so a screen
 * reader hears the order the rows are in and the first press on that header sorts the other way.
 */
export const SORT_SCRIPT = `(function () {
  function key(row, index) {
    var cell = row.cells[index];
    if (!cell) return '';
    var sort = cell.getAttribute('data-sort');
    return sort === null ? cell.textContent.trim().toLowerCase() : Number(sort);
  }
  function descendingBy(rows, index) {
    var previous = null, distinct = false;
    for (var i = 0; i !== rows.length; i++) {
      var value = key(rows[i], index);
      if (typeof value !== 'number') return false;
      if (previous !== null) {
        if (value > previous) return false;
        if (value !== previous) distinct = true;
      }
      previous = value;
    }
    return distinct;
  }
  document.querySelectorAll('table.sortable').forEach(function (table) {
    var headers = table.tHead ? table.tHead.rows[0].cells : [];
    var arrived = table.tBodies[0] ? table.tBodies[0].rows : [];
    var marked = false;
    Array.prototype.forEach.call(headers, function (th, index) {
      var button = document.createElement('button');
      button.type = 'button';
      while (th.firstChild) button.appendChild(th.firstChild);
      th.appendChild(button);
      var ordered = marked ? false : descendingBy(arrived, index);
      if (ordered) marked = true;
      th.setAttribute('aria-sort', ordered ? 'descending' : 'none');
      button.addEventListener('click', function () {
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
      });
    });
  });
})();`
