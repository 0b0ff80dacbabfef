// "/" puts the cursor in the top bar's search box, unless one is already typing.
document.addEventListener("keydown", function (event) {
  if (event.key !== "/" || event.ctrlKey || event.metaKey || event.altKey) return;
  var target = event.target;
  if (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName)) return;
  var box = document.getElementById("search-box");
  if (!box) return;
  event.preventDefault();
  box.focus();
  box.select();
});
