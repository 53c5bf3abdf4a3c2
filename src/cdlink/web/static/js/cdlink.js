// Small behaviours of the cdlink pages. No inline scripts: the Content-Security-Policy forbids them.
(function () {
  "use strict";

  function currentTheme() {
    var chosen = document.documentElement.getAttribute("data-theme");
    if (chosen) { return chosen; }
    return window.matchMedia("(prefers-color-scheme: dark)").matches ? "dark" : "light";
  }

  function toggleTheme() {
    var next = currentTheme() === "dark" ? "light" : "dark";
    document.documentElement.setAttribute("data-theme", next);
    try { localStorage.setItem("cdlink-theme", next); } catch (error) { /* not remembered */ }
  }

  function closePanel() {
    var panel = document.getElementById("panel");
    if (panel) { panel.innerHTML = ""; }
    document.body.classList.remove("panel-open");
  }

  document.addEventListener("click", function (event) {
    var target = event.target.closest("[data-action]");
    if (!target) { return; }
    var action = target.getAttribute("data-action");
    if (action === "toggle-theme") { toggleTheme(); }
    if (action === "toggle-menu") { document.body.classList.toggle("menu-open"); }
    if (action === "close-panel") { event.preventDefault(); closePanel(); }
  });

  document.addEventListener("change", function (event) {
    var target = event.target;
    if (target.matches("[data-submit-on-change]")) { target.form.requestSubmit(); }
    if (target.matches("[data-auth-mode]")) {
      var form = target.closest("form");
      form.setAttribute("data-mode", target.value);
      // Only the fields of the chosen way to connect are sent.
      form.querySelector("fieldset.current-only").disabled = target.value !== "client_credentials";
      form.querySelector("fieldset.legacy-only").disabled = target.value !== "password";
    }
  });

  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape") { closePanel(); }
  });

  // The panel opens when htmx puts something in it.
  document.addEventListener("htmx:afterSwap", function (event) {
    if (event.detail.target.id === "panel") {
      document.body.classList.toggle("panel-open", event.detail.target.innerHTML.trim() !== "");
      var first = event.detail.target.querySelector("input:not([type=hidden]), button");
      if (first) { first.focus(); }
    }
  });

  // A form with files (multipart) carries its CSRF token as a header, since the guard reads the
  // form field only from URL-encoded bodies; the answer (a redirect, or an error page) is shown.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches || !form.matches("form[data-csrf-header]")) { return; }
    var meta = document.querySelector("meta[name=csrf-token]");
    if (!meta || !window.fetch) { return; }
    event.preventDefault();
    fetch(form.action, {
      method: "POST", body: new FormData(form), credentials: "same-origin",
      headers: { "X-CSRF-Token": meta.getAttribute("content") }
    }).then(function (response) {
      if (response.ok && response.redirected) { window.location.assign(response.url); return; }
      return response.text().then(function (html) {
        document.open(); document.write(html); document.close();
      });
    });
  });

  // A confirmation stating the consequence before anything that cannot be undone: a form (or its
  // submit button) with data-confirm="…" opens one <dialog>; Escape or Cancel keep everything
  // as it was, the confirm button sends the form (or the htmx request) as it would have gone.
  var confirmed = null;
  function confirmDialog() {
    var dialog = document.getElementById("confirm-dialog");
    if (dialog) { return dialog; }
    dialog = document.createElement("dialog");
    dialog.id = "confirm-dialog";
    dialog.className = "confirm";
    dialog.setAttribute("aria-labelledby", "confirm-dialog-text");
    dialog.innerHTML = '<form method="dialog"><p id="confirm-dialog-text"></p>' +
      '<div class="panel-actions"><button value="cancel" data-role="cancel"></button>' +
      '<button value="ok" class="danger solid" data-role="ok"></button></div></form>';
    document.body.appendChild(dialog);
    return dialog;
  }
  function askFirst(source, proceed) {
    var dialog = confirmDialog();
    var html = document.documentElement;
    dialog.querySelector("#confirm-dialog-text").textContent = source.getAttribute("data-confirm");
    dialog.querySelector("[data-role=ok]").textContent =
      source.getAttribute("data-confirm-button") || html.getAttribute("data-confirm-ok") || "OK";
    dialog.querySelector("[data-role=cancel]").textContent =
      html.getAttribute("data-confirm-cancel") || "Cancel";
    dialog.onclose = function () { if (dialog.returnValue === "ok") { proceed(); } };
    dialog.returnValue = "";
    dialog.showModal();
    dialog.querySelector("[data-role=cancel]").focus();
  }
  function confirmSource(form, submitter) {
    if (submitter && submitter.hasAttribute("data-confirm")) { return submitter; }
    return form.hasAttribute("data-confirm") ? form : null;
  }
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches || form.matches("[hx-post], [hx-put], [hx-delete], [hx-patch]")) { return; }
    var source = confirmSource(form, event.submitter);
    if (!source || confirmed === form || typeof HTMLDialogElement !== "function") { return; }
    event.preventDefault();
    event.stopImmediatePropagation();
    var submitter = event.submitter;
    askFirst(source, function () {
      confirmed = form;
      if (submitter) { form.requestSubmit(submitter); } else { form.requestSubmit(); }
      confirmed = null;
    });
  }, true);
  document.addEventListener("htmx:confirm", function (event) {
    var element = event.detail.elt;
    var form = element.closest ? element.closest("form") : null;
    var source = element.hasAttribute("data-confirm") ? element
      : (form && form.hasAttribute("data-confirm") ? form : null);
    if (!source || typeof HTMLDialogElement !== "function") { return; }
    event.preventDefault();
    askFirst(source, function () { event.detail.issueRequest(true); });
  });

  // A table that scrolls inside its box can be scrolled with the keyboard too.
  function focusableScrolls(root) {
    var boxes = (root || document).querySelectorAll(".table-scroll:not([tabindex]), .card > table:not([tabindex])");
    for (var index = 0; index < boxes.length; index += 1) { boxes[index].setAttribute("tabindex", "0"); }
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { focusableScrolls(document); });
  } else { focusableScrolls(document); }
  document.addEventListener("htmx:afterSettle", function (event) { focusableScrolls(event.target); });

  // Every htmx request carries the page's CSRF token.
  document.addEventListener("htmx:configRequest", function (event) {
    var meta = document.querySelector("meta[name=csrf-token]");
    if (meta) { event.detail.headers["X-CSRF-Token"] = meta.getAttribute("content"); }
  });
})();
