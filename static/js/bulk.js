// Bulk decisions on approval queues: select rows (or all on the page) and submit the bulk form.
// Rows join the form through form="bulk-form"; no inline script (strict CSP).
document.addEventListener("DOMContentLoaded", function () {
  var form = document.querySelector("form[data-bulk]");
  if (!form) { return; }
  var all = document.querySelector("[data-bulk-all]");
  var count = form.querySelector("[data-bulk-count]");
  var buttons = form.querySelectorAll("[data-bulk-submit]");
  function rows() { return document.querySelectorAll("input[data-bulk-row]"); }
  function refresh() {
    var boxes = rows();
    var checked = 0;
    boxes.forEach(function (box) { if (box.checked) { checked += 1; } });
    if (count) { count.textContent = String(checked); }
    buttons.forEach(function (button) { button.disabled = checked === 0; });
    if (all) {
      all.checked = boxes.length > 0 && checked === boxes.length;
      all.indeterminate = checked > 0 && checked < boxes.length;
    }
  }
  if (all) {
    all.addEventListener("change", function () {
      rows().forEach(function (box) { box.checked = all.checked; });
      refresh();
    });
  }
  document.addEventListener("change", function (event) {
    if (event.target.matches && event.target.matches("input[data-bulk-row]")) { refresh(); }
  });
  refresh();
});
