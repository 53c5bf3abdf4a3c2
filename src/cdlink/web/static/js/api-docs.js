// Starts Swagger UI on the cdlink OpenAPI document (a file, not an inline script, for the CSP).
window.addEventListener("load", function () {
  var element = document.getElementById("swagger-ui");
  window.SwaggerUIBundle({ url: element.getAttribute("data-url"), dom_id: "#swagger-ui" });
});
