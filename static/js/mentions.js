// @mentions in the note box: typing "@" and the first letters of a colleague's handle or
// name offers a list of staff (from the box's data-mentions-url); arrows move, Enter or
// Tab puts "@handle " in the text, Esc closes. The box keeps the focus throughout and
// names the highlighted option with aria-activedescendant, so a screen reader reads it.
// Without this script "@handle" typed by hand works the same: the server reads the text.
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("textarea[data-mentions-url]").forEach(setUp);

  // "@" at the start, after a space or punctuation, not inside an address ("juan@x.com").
  var TYPED = /(^|[^\p{L}\p{N}_@.+\-\/])@([\p{L}\p{N}_.+\-]{0,40})$/u;

  function setUp(box, index) {
    var url = box.dataset.mentionsUrl;
    var list = document.createElement("ul");
    list.id = "mention-list-" + index;
    list.className = "mention-list";
    list.setAttribute("role", "listbox");
    list.setAttribute("aria-label", box.dataset.mentionsLabel || "@");
    list.hidden = true;
    box.parentNode.classList.add("has-mentions");
    box.parentNode.appendChild(list);
    box.setAttribute("aria-autocomplete", "list");
    box.setAttribute("aria-controls", list.id);
    box.setAttribute("aria-expanded", "false");

    var options = [], active = -1, start = -1, pending = null, asked = "";

    function close() {
      list.hidden = true;
      list.innerHTML = "";
      options = [];
      active = -1;
      start = -1;
      box.setAttribute("aria-expanded", "false");
      box.removeAttribute("aria-activedescendant");
    }

    function typed() {
      if (box.selectionStart !== box.selectionEnd) return null;
      var before = box.value.slice(0, box.selectionStart);
      var match = TYPED.exec(before);
      if (!match) return null;
      return { at: before.length - match[2].length - 1, query: match[2] };
    }

    function update() {
      var found = typed();
      if (!found) { close(); return; }
      start = found.at;
      if (found.query === asked && !list.hidden) return;
      asked = found.query;
      if (pending) pending.abort();
      pending = new AbortController();
      fetch(url + "?q=" + encodeURIComponent(found.query), {
        headers: { Accept: "application/json" }, credentials: "same-origin", signal: pending.signal
      })
        .then(function (response) { if (!response.ok) throw new Error(response.status); return response.json(); })
        .then(function (data) { show(data.staff || []); })
        .catch(function () {});
    }

    function show(staff) {
      if (!typed()) { close(); return; }
      list.innerHTML = "";
      options = staff.map(function (person, n) {
        var item = document.createElement("li");
        item.id = list.id + "-" + n;
        item.setAttribute("role", "option");
        item.dataset.handle = person.handle;
        var name = document.createElement("span");
        name.className = "mention-name";
        name.textContent = person.name;
        var handle = document.createElement("span");
        handle.className = "mention-handle";
        handle.textContent = "@" + person.handle;
        item.append(name, " ", handle);  // the space: "Ana Pérez @ana.perez" when read aloud
        // mousedown, not click: the box must not lose the focus (and its caret) first.
        item.addEventListener("mousedown", function (event) { event.preventDefault(); choose(n); });
        list.appendChild(item);
        return item;
      });
      if (!options.length) { close(); return; }
      list.hidden = false;
      box.setAttribute("aria-expanded", "true");
      place();
      select(0);
    }

    function select(n) {
      if (!options.length) return;
      active = (n + options.length) % options.length;
      options.forEach(function (item, i) { item.setAttribute("aria-selected", i === active ? "true" : "false"); });
      box.setAttribute("aria-activedescendant", options[active].id);
      options[active].scrollIntoView({ block: "nearest" });
    }

    function choose(n) {
      var handle = options[n] && options[n].dataset.handle;
      if (!handle || start < 0) return;
      var end = box.selectionStart;
      var text = "@" + handle + " ";
      box.value = box.value.slice(0, start) + text + box.value.slice(end);
      box.selectionStart = box.selectionEnd = start + text.length;
      box.focus();
      close();
      box.dispatchEvent(new Event("input", { bubbles: true }));
    }

    // Under the line being written, as far left as the "@" while the list fits the box.
    function place() {
      var caret = caretAt(box, start);
      var left = Math.max(0, Math.min(caret.left, box.offsetWidth - list.offsetWidth));
      list.style.left = box.offsetLeft + left + "px";
      list.style.top = box.offsetTop + Math.min(caret.top + caret.height, box.offsetHeight) + "px";
    }

    window.addEventListener("resize", function () { if (!list.hidden) place(); });
    box.addEventListener("input", update);
    box.addEventListener("click", update);
    box.addEventListener("blur", close);
    box.addEventListener("keyup", function (event) {
      if (event.key === "ArrowLeft" || event.key === "ArrowRight" || event.key === "Home" || event.key === "End") update();
    });
    box.addEventListener("keydown", function (event) {
      if (list.hidden) return;
      if (event.key === "ArrowDown") { event.preventDefault(); select(active + 1); }
      else if (event.key === "ArrowUp") { event.preventDefault(); select(active - 1); }
      else if ((event.key === "Enter" || event.key === "Tab") && !event.shiftKey) { event.preventDefault(); choose(active); }
      else if (event.key === "Escape") { event.preventDefault(); event.stopPropagation(); close(); asked = null; }
    });
  }

  // Where character ``position`` of a textarea is drawn, from a hidden copy of the box
  // with the same font and wrapping.
  function caretAt(box, position) {
    var style = window.getComputedStyle(box);
    var mirror = document.createElement("div");
    ["fontFamily", "fontSize", "fontWeight", "lineHeight", "letterSpacing", "paddingTop", "paddingRight",
      "paddingBottom", "paddingLeft", "borderTopWidth", "borderRightWidth", "borderBottomWidth",
      "borderLeftWidth", "boxSizing", "wordSpacing", "tabSize"].forEach(function (name) {
      mirror.style[name] = style[name];
    });
    mirror.style.position = "absolute";
    mirror.style.visibility = "hidden";
    mirror.style.whiteSpace = "pre-wrap";
    mirror.style.overflowWrap = "break-word";
    mirror.style.width = box.offsetWidth + "px";
    mirror.textContent = box.value.slice(0, position);
    var marker = document.createElement("span");
    marker.textContent = "@";
    mirror.appendChild(marker);
    document.body.appendChild(mirror);
    var spot = { left: marker.offsetLeft, top: marker.offsetTop - box.scrollTop, height: marker.offsetHeight };
    document.body.removeChild(mirror);
    return spot;
  }
});
