// Small behaviours htmx does not cover. Loaded as a file: the CSP allows no inline script.
(function () {
  "use strict";
  var TOAST_SECONDS = 8;

  function arm(toast) {
    if (toast.dataset.armed) return;
    toast.dataset.armed = "1";
    // Errors stay until dismissed: a person must be able to read them.
    if (!toast.classList.contains("toast-error")) {
      setTimeout(function () { toast.remove(); }, TOAST_SECONDS * 1000);
    }
  }

  function armAll(root) {
    root.querySelectorAll(".toast").forEach(arm);
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-dismiss]");
    if (button) button.closest(".toast").remove();
  });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape") document.querySelectorAll(".toast").forEach(function (t) { t.remove(); });
  });
  document.addEventListener("DOMContentLoaded", function () { armAll(document); });
  document.addEventListener("htmx:afterSettle", function () { armAll(document); });
})();
