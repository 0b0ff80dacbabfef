// Saved answers in the composer: type to filter the list; choosing one fetches it filled
// in for this ticket and puts it where the cursor is in the box the agent is writing in
// (the reply, or the note). Without this script the links reload the page with the answer
// in the reply box.
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("[data-canned-picker]").forEach(function (picker) {
    var filter = picker.querySelector(".canned-filter");
    var items = picker.querySelectorAll(".canned-items li");
    picker.addEventListener("toggle", function () {
      if (picker.open && filter) filter.focus();
    });
    if (filter) {
      filter.addEventListener("input", function () {
        var words = filter.value.toLowerCase().normalize("NFD").replace(/[\u0300-\u036f]/g, "");
        items.forEach(function (item) {
          var text = item.textContent.toLowerCase().normalize("NFD").replace(/[\u0300-\u036f]/g, "");
          item.hidden = words !== "" && text.indexOf(words) === -1;
        });
      });
      filter.addEventListener("keydown", function (event) {
        if (event.key !== "Enter") return;
        var first = picker.querySelector(".canned-items li:not([hidden]) a");
        if (first) { event.preventDefault(); first.click(); }
      });
    }
    picker.querySelectorAll("a[data-canned-url]").forEach(function (link) {
      link.addEventListener("click", function (event) {
        event.preventDefault();
        fetch(link.dataset.cannedUrl, { headers: { Accept: "application/json" }, credentials: "same-origin" })
          .then(function (response) { if (!response.ok) throw new Error(response.status); return response.json(); })
          .then(function (data) { insert(picker.closest(".composer"), data.text); picker.open = false; })
          .catch(function () { window.location = link.href; });
      });
    });
  });

  function insert(composer, text) {
    var note = composer.querySelector("#mode-note");
    var reply = composer.querySelector("#mode-reply");
    var form = reply && reply.checked ? composer.querySelector(".composer-reply") : composer.querySelector(".composer-note");
    if (!form && note) form = composer.querySelector(".composer-note");
    var box = form.querySelector("textarea");
    var start = box.selectionStart || 0, end = box.selectionEnd || 0;
    box.value = box.value.slice(0, start) + text + box.value.slice(end);
    box.focus();
    box.selectionStart = box.selectionEnd = start + text.length;
  }
});
