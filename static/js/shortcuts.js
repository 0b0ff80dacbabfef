// Keyboard shortcuts for agents; "?" lists them (templates/_shortcuts_dialog.html).
// None fires while one is typing in a field or holds Ctrl/Meta/Alt, so they never eat a
// letter of a reply; the one exception is Ctrl/Cmd+Enter, which sends the composer.
(function () {
  "use strict";
  var ROW_KEY = "aclara.current-ticket";  // the list's current row, kept across "back"
  var pendingG = 0;  // when "g" was pressed, for "g i"

  function typing(target) {
    if (target.tagName === "INPUT") {
      // A ticked box or a pressed button takes no letters: j/k go on working from there.
      return !/^(checkbox|radio|button|submit|reset|image|range|color)$/.test(target.type);
    }
    return target.isContentEditable || /^(TEXTAREA|SELECT)$/.test(target.tagName);
  }
  function remember(href) {
    try { sessionStorage.setItem(ROW_KEY, href); } catch (e) { /* storage off */ }
  }
  function listUrl() {
    var brand = document.querySelector(".topbar .brand");
    return brand ? brand.href : "/";
  }

  // The ticket list: j/k move a current row, Enter/o open it, x ticks its checkbox.
  function rows() {
    return Array.prototype.slice.call(document.querySelectorAll("table.tickets tbody tr[data-href]"));
  }
  function currentRow() {
    return document.querySelector("table.tickets tbody tr.is-current");
  }
  function mark(row) {
    var old = currentRow();
    if (old) { old.classList.remove("is-current"); old.removeAttribute("aria-current"); }
    row.classList.add("is-current");
    row.setAttribute("aria-current", "true");
    row.tabIndex = -1;
  }
  function move(delta) {
    var list = rows();
    if (!list.length) return false;
    var i = list.indexOf(currentRow());
    var row = list[i < 0 ? 0 : Math.min(list.length - 1, Math.max(0, i + delta))];
    mark(row);
    row.focus({ preventScroll: true });  // screen readers read the row; ? returns here
    row.scrollIntoView({ block: "nearest" });
    remember(row.dataset.href);
    return true;
  }
  function openRow() {
    var row = currentRow();
    if (!row) return false;
    remember(row.dataset.href);
    window.location.href = row.dataset.href;
    return true;
  }
  function toggleRow() {
    var row = currentRow();
    var box = row && row.querySelector("input[type=checkbox][name=ticket]");
    if (!box) return false;
    box.click();  // a click, so whatever listens to the checkbox (bulk actions) hears it
    return true;
  }
  function restoreRow() {
    var href;
    try { href = sessionStorage.getItem(ROW_KEY); } catch (e) { return; }
    var row = href && rows().filter(function (r) { return r.dataset.href === href; })[0];
    if (row) mark(row);
  }

  // The ticket page: the composer's two modes, assigning, resolving.
  function compose(mode) {
    var radio = document.getElementById(mode === "reply" ? "mode-reply" : "mode-note");
    var box = null;
    if (radio) {
      radio.checked = true;
      box = document.querySelector(mode === "reply" ? ".composer-reply textarea" : ".composer-note textarea");
    } else if (mode === "reply") {
      box = document.getElementById("whatsapp-text");  // a WhatsApp ticket has no email reply
    }
    if (!box) return false;
    box.focus();
    box.scrollIntoView({ block: "nearest" });
    return true;
  }
  // a, e and Esc leave the page: a reply or note being written is not lost without asking.
  function draftKept() {
    var drafts = Array.prototype.filter.call(document.querySelectorAll("form textarea"), function (box) {
      return box.value.trim() !== box.defaultValue.trim();
    });
    if (!drafts.length) return false;
    var dialog = document.getElementById("shortcuts-dialog");
    var question = dialog ? dialog.dataset.draftWarning : "";
    if (window.confirm(question)) return false;
    drafts[0].focus();
    return true;
  }
  function assignToMe() {
    var form = document.getElementById("assign-to-me");
    if (!form) return false;  // already the assignee
    if (draftKept()) return true;
    form.requestSubmit();
    return true;
  }
  function resolve() {
    var form = document.querySelector("form.status-form");
    var select = form && form.querySelector("select[name=status]");
    if (!select || !select.querySelector("option[value=resolved]")) return false;
    select.value = "resolved";
    var outcome = form.querySelector("#status-outcome");
    if (outcome && !outcome.value) {
      // A dispute holding accounts needs its outcome first: ask for it, do not submit.
      form.classList.add("asks-outcome");
      outcome.focus();
      outcome.scrollIntoView({ block: "center" });
      return true;
    }
    if (draftKept()) return true;
    form.requestSubmit();
    return true;
  }
  function backToList() {
    if (!document.getElementById("composer")) return false;
    if (draftKept()) return true;
    var referrer = document.referrer ? new URL(document.referrer) : null;
    var list = new URL(listUrl());
    if (referrer && referrer.origin === list.origin && referrer.pathname === list.pathname) {
      history.back();  // keeps the list's filters, page and current row
    } else {
      window.location.href = list.href;
    }
    return true;
  }

  // "?": the dialog; Esc closes it (native) and focus goes back where it was.
  function openHelp() {
    var dialog = document.getElementById("shortcuts-dialog");
    if (!dialog || dialog.open) return false;
    var back = document.activeElement;
    dialog.addEventListener("close", function () {
      if (back && back !== document.body && document.contains(back)) back.focus();
    }, { once: true });
    dialog.showModal();
    return true;
  }

  function submitComposer(event) {
    var box = event.target;
    if (box.tagName !== "TEXTAREA" || !box.form) return false;
    var send = box.form.querySelector("button[type=submit].primary") ||
      box.form.querySelector("button[type=submit]");
    box.form.requestSubmit(send || undefined);
    return true;
  }

  var KEYS = {
    "/": function () {
      var box = document.getElementById("search-box");
      if (!box) return false;
      box.focus();
      box.select();
      return true;
    },
    "?": openHelp,
    j: function () { return move(1); },
    k: function () { return move(-1); },
    o: openRow,
    Enter: openRow,
    x: toggleRow,
    r: function () { return compose("reply"); },
    n: function () { return compose("note"); },
    a: assignToMe,
    e: resolve,
    Escape: backToList,
  };

  document.addEventListener("keydown", function (event) {
    if (event.defaultPrevented) return;
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey) && !event.altKey) {
      if (submitComposer(event)) event.preventDefault();
      return;
    }
    if (event.ctrlKey || event.metaKey || event.altKey || event.isComposing) return;
    var target = event.target;
    if (typing(target) || document.querySelector("dialog[open]")) return;
    // Enter on a link or button does what it always does.
    if (event.key === "Enter" && target.closest("a, button, summary, [role=button]")) return;
    if (event.key === "Escape" && document.querySelector("details[open]")) return;
    if (event.key === "g") { pendingG = Date.now(); return; }
    if (event.key === "i" && Date.now() - pendingG < 1500) {
      pendingG = 0;
      event.preventDefault();
      window.location.href = listUrl();
      return;
    }
    var action = KEYS[event.key];
    if (action && action()) event.preventDefault();
  });

  document.addEventListener("DOMContentLoaded", function () {
    restoreRow();
    document.querySelectorAll("[data-shortcuts-open]").forEach(function (button) {
      button.hidden = false;
      button.addEventListener("click", openHelp);
    });
    var dialog = document.getElementById("shortcuts-dialog");
    if (dialog) {
      dialog.addEventListener("click", function (event) {
        if (event.target === dialog) dialog.close();  // a click on the backdrop
      });
    }
  });
  document.addEventListener("htmx:afterSettle", restoreRow);  // a list swapped in place
})();
