// Small behaviours htmx does not cover. Loaded as a file: the CSP allows no inline script.
(function () {
  "use strict";
  var TOAST_SECONDS = 8;
  var COPIED_SECONDS = 2;

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
      var remove = asked.querySelector("button");
      busy(remove);  // until the answer: the same key cannot be asked to go twice
      htmx.ajax("POST", asked.action, { source: answer, target: row, swap: "outerHTML" }).finally(function () {
        release(remove);
      }).then(function () {
        // A removal that failed answers the row again (with a new one-time token) in its place.
        var kept = document.querySelector('[data-remove-key="' + CSS.escape(asked.dataset.removeKey) + '"]');
        if (kept) {
          kept.querySelector("button").focus();
        } else if (after) {
          after.querySelector("[data-remove-key] button").focus();
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

  // Copy buttons (templates/core/copy.html). The clipboard API needs a secure context: on plain
  // http the older copy command still works, and when neither does the value is offered selected
  // in a prompt, to be copied by hand.
  var announcer;

  function announce(words) {
    if (!announcer) {
      announcer = document.createElement("p");
      announcer.className = "visually-hidden";
      announcer.setAttribute("role", "status");
      document.body.appendChild(announcer);
    }
    announcer.textContent = words;
  }

  function copyByCommand(text) {
    var scratch = document.createElement("textarea");
    scratch.value = text;
    scratch.className = "copy-scratch";
    scratch.setAttribute("readonly", "");
    document.body.appendChild(scratch);
    scratch.select();
    var copied = false;
    try {
      copied = document.execCommand("copy");
    } catch (error) {
      copied = false;
    }
    scratch.remove();
    return copied;
  }

  function copyText(text) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text).catch(function () {
        if (!copyByCommand(text)) throw new Error("not copied");
      });
    }
    return copyByCommand(text) ? Promise.resolve() : Promise.reject(new Error("not copied"));
  }

  // The button is named by an attribute, not by hidden text, so that the page's text (found in
  // page, copied as a whole row) holds each value once.
  function label(button, words) {
    button.querySelector(".copy-label").textContent = words;
    button.setAttribute("aria-label", button.getAttribute("aria-label").replace(/^\S+/, words));
  }

  function showCopied(button) {
    label(button, "Copied");
    button.classList.add("copied");
    announce(button.getAttribute("aria-label"));  // "Copied request id"
    clearTimeout(Number(button.dataset.copiedTimer));
    button.dataset.copiedTimer = setTimeout(function () {
      label(button, "Copy");
      button.classList.remove("copied");
    }, COPIED_SECONDS * 1000);
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("button[data-copy]");
    if (!button) return;
    copyText(button.dataset.copy).then(function () {
      button.focus();  // the copy command moves focus to its scratch field
      showCopied(button);
    }, function () {
      window.prompt("Copy with Ctrl+C (⌘C on a Mac):", button.dataset.copy);
    });
  });

  // Work in progress: while a request runs, its button is disabled and shows a spinner, and a
  // plain post's other submit buttons are disabled too: nothing can send the change a second time.
  function hold(button) {
    button.disabled = true;
    button.setAttribute("data-held", "");
  }

  function busy(button) {
    hold(button);
    button.setAttribute("aria-busy", "true");
  }

  function release(button) {
    button.disabled = false;
    button.removeAttribute("data-held");
    button.removeAttribute("aria-busy");
  }

  function submitterOf(elt, triggeringEvent) {
    if (elt.matches("button, input[type=submit]")) return elt;
    if (elt.tagName === "FORM" && triggeringEvent && triggeringEvent.type === "submit") {
      return triggeringEvent.submitter;
    }
    return null;  // typing in a search box, or a poll: no button to hold
  }

  document.addEventListener("htmx:beforeRequest", function (event) {
    var button = submitterOf(event.detail.elt, event.detail.requestConfig.triggeringEvent);
    if (!button || button.disabled) return;
    busy(button);
    // Ends however the request ends (answer, error, timeout, abort), even once the button has
    // been swapped out of the page, when htmx's own events no longer reach the document.
    event.detail.xhr.addEventListener("loadend", function () { release(button); });
  });

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (event.defaultPrevented || form.method !== "post") return;  // sent by htmx, or a dialog
    var submitter = event.submitter;
    if (submitter && submitter.name) {
      // A disabled button is left out of what its form sends: its name and value go in a copy.
      var copy = document.createElement("input");
      copy.type = "hidden";
      copy.name = submitter.name;
      copy.value = submitter.value;
      copy.className = "submitter-copy";
      form.appendChild(copy);
    }
    Array.prototype.forEach.call(form.elements, function (element) {
      if (element.type === "submit" && !element.disabled) hold(element);
    });
    if (submitter) submitter.setAttribute("aria-busy", "true");
  });

  // A poll answered with an error (or not at all) is not swapped in: the part it would refresh
  // says so, and goes on asking; the next answer replaces the part and this note with it.
  function pollProblem(event, words) {
    var elt = event.detail.elt;
    var trigger = elt && elt.getAttribute("hx-trigger");
    if (!trigger || trigger.indexOf("every") === -1) return;
    var note = elt.querySelector(":scope > .poll-problem");
    if (!note) {
      note = document.createElement("p");
      note.className = "status-message poll-problem";
      note.setAttribute("role", "status");
      elt.insertBefore(note, elt.firstChild);
    }
    note.textContent = "Not refreshed: " + words + ". It asks again in a moment; reload the page if this stays.";
  }
  document.addEventListener("htmx:responseError", function (event) {
    pollProblem(event, "the dashboard answered " + event.detail.xhr.status);
  });
  document.addEventListener("htmx:sendError", function (event) {
    pollProblem(event, "the dashboard could not be reached");
  });

  // Back and forward restore a page as it was left: with its buttons still held.
  window.addEventListener("pageshow", function (event) {
    if (!event.persisted) return;
    document.querySelectorAll(".submitter-copy").forEach(function (copy) { copy.remove(); });
    document.querySelectorAll("[data-held]").forEach(release);
  });
})();
