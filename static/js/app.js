// Small behaviours the pages share. No inline scripts: the content security policy forbids them.
document.addEventListener("DOMContentLoaded", function () {
  var toggle = document.querySelector("[data-menu-toggle]");
  if (toggle) {
    toggle.addEventListener("click", function () {
      document.querySelector(".shell").classList.toggle("nav-open");
    });
  }
  document.querySelectorAll("[data-confirm]").forEach(function (el) {
    el.addEventListener("click", function (event) {
      if (!window.confirm(el.getAttribute("data-confirm"))) { event.preventDefault(); }
    });
  });
});
// htmx sends the CSRF token taken from the page's meta tag.
document.addEventListener("htmx:configRequest", function (event) {
  var meta = document.querySelector("meta[name=csrf-token]");
  if (meta) { event.detail.headers["X-CSRFToken"] = meta.getAttribute("content"); }
});
