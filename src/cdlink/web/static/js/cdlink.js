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

  // Every htmx request carries the page's CSRF token.
  document.addEventListener("htmx:configRequest", function (event) {
    var meta = document.querySelector("meta[name=csrf-token]");
    if (meta) { event.detail.headers["X-CSRF-Token"] = meta.getAttribute("content"); }
  });
})();
