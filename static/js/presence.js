// Who else has this ticket open and who is typing a reply, and a notice when the debtor
// writes while the page is open. Short polling (blueprints/inbox/presence_views.py): a
// heartbeat every few seconds while the tab is visible, none while it is hidden (the
// others stop seeing this agent after a few seconds), a goodbye when the page goes.
// Without this script the reply forms still refuse a reply on top of an unseen message.
document.addEventListener("DOMContentLoaded", function () {
  var bar = document.querySelector("[data-presence]");
  if (!bar || !window.fetch) return;
  var TYPING_MS = 4000; // typed in the last 4 s: "typing a reply"
  var every = parseInt(bar.dataset.interval, 10) || 5000;
  var seen = parseInt(bar.dataset.seen, 10) || 0;
  var list = bar.querySelector(".presence-list");
  var arrived = document.querySelector("[data-presence-arrived]");
  var draftKey = "aclara-draft:" + bar.dataset.ticketUrl;
  var lastTyped = 0, timer = null, busy = false, shown = "", newest = seen;

  // Only the boxes whose words reach the debtor: a note is not a reply.
  var replyBoxes = document.querySelectorAll(
    ".composer-reply textarea, .composer-reply input[name=cc], .whatsapp-composer textarea"
  );
  replyBoxes.forEach(function (box) {
    box.addEventListener("input", function () {
      var wasQuiet = Date.now() - lastTyped > TYPING_MS;
      lastTyped = Date.now();
      if (wasQuiet) beat(); // the others see "typing" now, not at the next beat
    });
  });
  restoreDraft();

  function beat() {
    if (busy) return;
    busy = true;
    clearTimeout(timer);
    fetch(bar.dataset.presenceUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: {
        "Content-Type": "application/json",
        Accept: "application/json",
        "X-CSRFToken": bar.dataset.csrf,
      },
      body: JSON.stringify({ typing: Date.now() - lastTyped < TYPING_MS }),
    })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) { if (data) show(data); })
      .catch(function () { /* offline for a moment: the next beat tries again */ })
      .then(function () { busy = false; schedule(); });
  }

  function schedule() {
    clearTimeout(timer);
    if (document.visibilityState === "visible") timer = setTimeout(beat, every);
  }

  function show(data) {
    var texts = data.others.map(function (o) { return (o.typing ? "1" : "0") + o.text; });
    // Rewritten only when something changed: the list is a live region.
    if (texts.join("\n") !== shown) {
      shown = texts.join("\n");
      list.textContent = "";
      data.others.forEach(function (other) {
        var item = document.createElement("li");
        item.className = other.typing ? "is-typing" : "is-viewing";
        item.textContent = other.text;
        list.appendChild(item);
      });
      list.hidden = data.others.length === 0;
    }
    if (data.newest_inbound_id > seen) {
      newest = data.newest_inbound_id;
      arrived.hidden = false;
    }
  }

  // Reloading keeps what the agent was writing: saved for this tab, put back on load.
  arrived.querySelector("[data-presence-reload]").addEventListener("click", function () {
    var draft = {};
    replyBoxes.forEach(function (box) { if (box.value) draft[box.name + "@" + box.form.action] = box.value; });
    try { sessionStorage.setItem(draftKey, JSON.stringify(draft)); } catch (e) { /* private mode */ }
    var url = bar.dataset.ticketUrl, anchor = "#message-" + newest;
    if (window.location.pathname === url) {
      window.location.hash = anchor;
      window.location.reload();
    } else {
      window.location.assign(url + anchor); // after a refused form post: a GET, not a resubmission
    }
  });

  function restoreDraft() {
    var saved;
    try { saved = JSON.parse(sessionStorage.getItem(draftKey) || "null"); sessionStorage.removeItem(draftKey); }
    catch (e) { saved = null; }
    if (!saved) return;
    replyBoxes.forEach(function (box) {
      var value = saved[box.name + "@" + box.form.action];
      if (value && !box.value) box.value = value;
    });
  }

  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible") beat();
    else clearTimeout(timer);
  });
  window.addEventListener("pagehide", function () {
    clearTimeout(timer);
    if (!navigator.sendBeacon) return;
    var form = new FormData();
    form.append("csrf_token", bar.dataset.csrf);
    navigator.sendBeacon(bar.dataset.leaveUrl, form);
  });
  window.addEventListener("pageshow", function (event) {
    if (event.persisted) beat(); // back from the back-forward cache
  });

  if (document.visibilityState === "visible") beat();
});
