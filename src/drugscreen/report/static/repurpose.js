// A repurposing report: sort a table by a clicked header; show the chosen disease; open an
// evidence panel from its link. Everything is in the page already; nothing is fetched.
(function () {
  "use strict";
  function cellValue(row, i) {
    var cell = row.cells[i];
    if (!cell) return "";
    var v = cell.getAttribute("data-v");
    return v === null ? cell.textContent.trim().toLowerCase() : parseFloat(v);
  }
  function sortBy(table, i, th) {
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    var asc = !th.classList.contains("sorted-asc");
    rows.sort(function (a, b) {
      var x = cellValue(a, i), y = cellValue(b, i);
      var empty = (x === "") - (y === "");
      if (empty) return empty; // blanks last either way
      var c = typeof x === "number" && typeof y === "number" ? x - y : String(x).localeCompare(String(y));
      return asc ? c : -c;
    });
    rows.forEach(function (r) { body.appendChild(r); });
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (c) {
      c.classList.remove("sorted-asc", "sorted-desc");
    });
    th.classList.add(asc ? "sorted-asc" : "sorted-desc");
  }
  document.querySelectorAll("table.sortable").forEach(function (table) {
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th, i) {
      th.addEventListener("click", function () { sortBy(table, i, th); });
    });
  });
  var select = document.getElementById("disease-select");
  function show(id) {
    document.querySelectorAll("section.disease").forEach(function (s) {
      s.hidden = s.getAttribute("data-disease") !== id;
    });
  }
  if (select) select.addEventListener("change", function () { show(select.value); });
  function openFromHash() {
    var panel = location.hash ? document.getElementById(location.hash.slice(1)) : null;
    if (panel && panel.tagName === "DETAILS") {
      panel.open = true;
      var section = panel.closest("section.disease");
      if (section && section.hidden && select) { select.value = section.getAttribute("data-disease"); show(select.value); }
    }
  }
  window.addEventListener("hashchange", openFromHash);
  openFromHash();
  document.querySelectorAll("a.evidence-link").forEach(function (a) {
    a.addEventListener("click", function () {
      var panel = document.getElementById(a.getAttribute("href").slice(1));
      if (panel) panel.open = true;
    });
  });
  document.body.dataset.ready = "1";
})();
