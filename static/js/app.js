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

  // Key rows: "+ Add a key" and each row's Remove. Rows are key_N/value_N, numbered 0.. in page
  // order, so the server reads them as posted. Without JavaScript the page's rows are all there is.
  var ROW_FIELD = /(key|value)_\d+/;

  function renumber(rows) {
    rows.querySelectorAll(".key-row").forEach(function (row, index) {
      row.querySelectorAll("[id], [for], [name], [aria-describedby]").forEach(function (element) {
        ["id", "for", "name", "aria-describedby"].forEach(function (attribute) {
          var value = element.getAttribute(attribute);
          if (value) element.setAttribute(attribute, value.replace(new RegExp(ROW_FIELD, "g"), "$1_" + index));
        });
      });
    });
    var add = rows.parentElement.querySelector("[data-add-row]");
    var full = rows.children.length >= Number(rows.dataset.maxRows);
    add.disabled = full;
    add.title = full ? "At most " + rows.dataset.maxRows + " rows: paste more as a .env block" : "";
  }

  function blankRow(row) {
    var copy = row.cloneNode(true);
    copy.querySelectorAll(".field-errors").forEach(function (errors) { errors.remove(); });
    copy.querySelectorAll(".field-invalid").forEach(function (field) { field.classList.remove("field-invalid"); });
    copy.querySelectorAll("input").forEach(function (input) {
      input.value = "";
      input.removeAttribute("aria-invalid");
      input.removeAttribute("aria-describedby");
    });
    return copy;
  }

  function armRows(root) {
    root.querySelectorAll("[data-key-rows]").forEach(function (rows) {
      if (rows.dataset.armed) return;
      rows.dataset.armed = "1";
      var fieldset = rows.parentElement;
      fieldset.querySelectorAll("[data-add-row], [data-remove-row]").forEach(function (b) { b.hidden = false; });
      renumber(rows);
    });
  }

  document.addEventListener("click", function (event) {
    var add = event.target.closest("[data-add-row]");
    if (add) {
      var rows = add.parentElement.querySelector("[data-key-rows]");
      var row = blankRow(rows.lastElementChild);
      rows.appendChild(row);
      renumber(rows);
      row.querySelector("input").focus();
      return;
    }
    var remove = event.target.closest("[data-remove-row]");
    if (remove) {
      var gone = remove.closest(".key-row");
      var list = gone.parentElement;
      var next = gone.nextElementSibling || gone.previousElementSibling;
      if (list.children.length === 1) {
        list.replaceChild(blankRow(gone), gone);
        next = list.firstElementChild;
      } else {
        gone.remove();
      }
      renumber(list);
      next.querySelector("input").focus();
    }
  });

  // The image pull form shows the chosen registry's hints, and its host field only where the
  // host must be typed; a hidden host is also disabled, so a stale one is not sent.
  function showRegistry(form) {
    var chosen = form.querySelector("[data-registry-choice]").value;
    var current = null;
    form.querySelectorAll("[data-registry]").forEach(function (hint) {
      hint.hidden = hint.dataset.registry !== chosen;
      if (!hint.hidden) current = hint;
    });
    var host = form.querySelector("[name=host]");
    var needsHost = Boolean(current && current.dataset.hostPattern);
    host.closest(".field").hidden = !needsHost;
    host.disabled = !needsHost;
    host.placeholder = needsHost ? current.dataset.hostPattern : "";
  }

  document.addEventListener("change", function (event) {
    if (event.target.matches("[data-registry-choice]")) showRegistry(event.target.form);
  });

  // A key's Remove button opens a dialog that asks, with the reason field, then removes the row
  // in place. Focus returns to the keys list: the next row's button, or the list itself.
  var removing = null;

  document.addEventListener("submit", function (event) {
    var ask = event.target.closest("[data-remove-key]");
    var dialog = document.getElementById("remove-key");
    if (ask && dialog) {
      event.preventDefault();
      removing = ask;
      dialog.querySelector("[data-key-name]").textContent = ask.dataset.removeKey;
      dialog.querySelector("form").reset();
      dialog.querySelector("[data-once]").value = ask.dataset.once;  // each row's removal is sent once
      dialog.returnValue = "";
      dialog.showModal();
      return;
    }
    var answer = event.target.closest("[data-remove-key-form]");
    if (answer && removing) {
      event.preventDefault();
      var asked = removing;
      var row = asked.closest("tr");
      var after = row.nextElementSibling || row.previousElementSibling;
      answer.closest("dialog").close("sent");
      htmx.ajax("POST", asked.action, { source: answer, target: row, swap: "outerHTML" }).then(function () {
        // A removal that failed answers the row again (with a new one-time token) in its place.
        var kept = document.querySelector('[data-remove-key="' + CSS.escape(asked.dataset.removeKey) + '"]');
        if (kept) {
          kept.querySelector("button").focus();
        } else if (after) {
          after.querySelector("button").focus();
        } else {
          document.getElementById("keys-list").focus();
        }
      });
    }
  });

  document.addEventListener("click", function (event) {
    var cancel = event.target.closest("[data-close-dialog]");
    if (cancel) cancel.closest("dialog").close();
  });
  document.addEventListener("close", function (event) {
    // Closed without removing (Cancel, Escape): back to the button that opened it.
    if (event.target.id === "remove-key" && removing && event.target.returnValue !== "sent") {
      removing.querySelector("button").focus();
    }
  }, true);

  function armForms(root) {
    armRows(root);
    root.querySelectorAll("[data-registry-form]").forEach(showRegistry);
  }
  document.addEventListener("DOMContentLoaded", function () { armForms(document); });
  document.addEventListener("htmx:afterSettle", function (event) { armForms(event.target); });
})();
