// The ticket list's bulk bar: "select all on this page", how many are ticked, and the
// folio box shown only when the action is a merge. The form works without this file.
document.addEventListener("DOMContentLoaded", function () {
  var form = document.getElementById("bulk-form");
  if (!form) return;
  var all = form.querySelector("[data-select-all]");
  var counter = form.querySelector("[data-selected-count]");
  var action = form.querySelector("[data-bulk-action]");
  var mergeInto = form.querySelector("[data-merge-into]");
  var boxes = function () { return form.querySelectorAll("input[name=ticket]"); };

  function refresh() {
    var ticked = 0;
    boxes().forEach(function (box) {
      if (box.checked) ticked += 1;
      box.closest("tr").classList.toggle("selected", box.checked);
    });
    var text = ticked === 1 ? form.dataset.selectedOne : form.dataset.selectedMany;
    counter.textContent = ticked ? text.replace("%d", ticked) : "";
    all.checked = ticked > 0 && ticked === boxes().length;
    all.indeterminate = ticked > 0 && ticked < boxes().length;
  }
  function showMerge() {
    var merging = action.value === "merge:";
    mergeInto.hidden = !merging;
    mergeInto.required = merging;
  }
  all.addEventListener("change", function () {
    boxes().forEach(function (box) { box.checked = all.checked; });
    refresh();
  });
  form.addEventListener("change", function (event) {
    if (event.target.name === "ticket") refresh();
  });
  action.addEventListener("change", showMerge);
  showMerge();
  refresh();
});
