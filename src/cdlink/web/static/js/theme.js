// Applies the remembered theme before the page paints (loaded synchronously in <head>).
// No choice stored means "follow the system", which the stylesheet does by itself.
(function () {
  try {
    var theme = localStorage.getItem("cdlink-theme");
    if (theme === "light" || theme === "dark") {
      document.documentElement.setAttribute("data-theme", theme);
    }
  } catch (error) { /* storage disabled: follow the system */ }
})();
