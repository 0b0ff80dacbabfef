// Before a slow phone uploads a 30 MB photo for nothing: a file input with
// data-max-bytes says at once which file is too large (or that there are too many),
// and lets go of the selection. The server checks again; this only saves the wait.
document.addEventListener("change", (event) => {
  const input = event.target;
  if (!(input instanceof HTMLInputElement) || input.type !== "file" || !input.dataset.maxBytes) {
    return;
  }
  const files = Array.from(input.files || []);
  const most = Number(input.dataset.maxFiles || 0);
  const big = files.find((file) => file.size > Number(input.dataset.maxBytes));
  let problem = "";
  if (most && files.length > most) {
    problem = input.dataset.tooMany || "";
  } else if (big) {
    problem = (input.dataset.tooLarge || "").replace("{name}", big.name);
  }
  let note = input.parentElement.querySelector(".upload-limit");
  if (!problem) {
    if (note) note.remove();
    return;
  }
  if (!note) {
    note = document.createElement("p");
    note.className = "error upload-limit";
    note.setAttribute("role", "alert");
    input.after(note);
  }
  note.textContent = problem;
  input.value = "";
});
