// Inside a creditor's iframe, tell the page around it how tall the form is, so the iframe
// grows with it (error messages, the confirmation) instead of scrolling inside itself.
// Only a height leaves the frame; the creditor's page decides whether to listen
// (docs/webform.md has the few lines it needs).
(function () {
  "use strict";
  if (window.parent === window) {
    return;
  }
  var last = 0;
  function send() {
    var height = Math.ceil(document.documentElement.scrollHeight);
    if (height !== last) {
      last = height;
      window.parent.postMessage({ type: "aclara-webform-height", height: height }, "*");
    }
  }
  window.addEventListener("load", send);
  if ("ResizeObserver" in window) {
    new ResizeObserver(send).observe(document.body);
  }
})();
