// outreach console: small enhancements; every page works without them.
"use strict";

// The session's CSRF token, for requests made from scripts (sent as the
// X-CSRF-Token header).
window.outreachCSRF = function () {
  var m = document.querySelector('meta[name="csrf-token"]');
  return m ? m.getAttribute("content") : "";
};

document.addEventListener("DOMContentLoaded", function () {
  // A <select data-autosubmit> submits its form when it changes; the form
  // keeps a submit button for use without JavaScript.
  document.querySelectorAll("select[data-autosubmit]").forEach(function (sel) {
    sel.addEventListener("change", function () { sel.form.submit(); });
  });
});
