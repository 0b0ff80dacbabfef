// The account sign-in's choice of fact: only the input of the chosen option shows, and
// typing into an input chooses its option. Without this script both inputs show under
// their options and the form works the same (the server reads the chosen one).
(() => {
  const form = document.querySelector(".fact-choice");
  if (!form) return;
  const radios = Array.from(form.querySelectorAll("input[type=radio]"));
  const show = () => {
    const chosen = radios.find((radio) => radio.checked);
    form.querySelectorAll(".fact-input").forEach((box) => {
      box.hidden = Boolean(chosen) && box.dataset.fact !== chosen.value;
    });
  };
  radios.forEach((radio) => radio.addEventListener("change", () => {
    show();
    const input = document.querySelector(`#fact-${radio.value} input`);
    if (input) input.focus();
  }));
  // A phone's numeric keypad has no "/": it is added after the day and the month.
  const date = form.querySelector("[data-fact=birth_date] input");
  if (date) {
    date.addEventListener("input", (event) => {
      if (event.inputType !== "insertText") return;
      if (/^(\d{2}|\d{2}\/\d{2})$/.test(date.value)) {
        date.value += "/";
      } else if (event.data === "/" && date.value.endsWith("//")) {
        date.value = date.value.slice(0, -1);  // they typed the "/" we had added
      }
    });
  }
  show();
})();
