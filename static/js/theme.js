// The agent's theme: System (the default: follows prefers-color-scheme), Light or Dark,
// remembered in this browser. Loaded without defer in <head> so data-theme is on <html>
// before the first paint (no flash of the light theme); a static file because the CSP
// allows no inline script. The top bar's select is shown only when this script runs.
(function () {
  "use strict";
  var KEY = "aclara-theme";
  var root = document.documentElement;

  function stored() {
    try { return localStorage.getItem(KEY); } catch (e) { return null; }
  }
  function apply(choice) {
    if (choice === "light" || choice === "dark") root.setAttribute("data-theme", choice);
    else root.removeAttribute("data-theme");
  }

  apply(stored());
  document.addEventListener("DOMContentLoaded", function () {
    var select = document.querySelector("[data-theme-choice]");
    if (!select) return;
    var choice = stored();
    select.value = choice === "light" || choice === "dark" ? choice : "system";
    select.closest("label").hidden = false;
    select.addEventListener("change", function () {
      try {
        if (select.value === "system") localStorage.removeItem(KEY);
        else localStorage.setItem(KEY, select.value);
      } catch (e) { /* storage off: the choice lasts for this page only */ }
      apply(select.value);
    });
  });
})();
