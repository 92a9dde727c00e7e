// Small behaviours the pages share. No inline scripts: the content security policy forbids them.
document.addEventListener("DOMContentLoaded", function () {
  var toggle = document.querySelector("[data-menu-toggle]");
  var shell = document.querySelector(".shell");
  var drawer = document.getElementById("site-nav");
  if (toggle && shell && drawer) {
    // On narrow screens the sidebar is an off-canvas drawer (DESIGN §8.2).
    var setOpen = function (open, returnFocus) {
      shell.classList.toggle("nav-open", open);
      toggle.setAttribute("aria-expanded", open ? "true" : "false");
      if (open) {
        var first = drawer.querySelector("nav a, a, button");
        // Focus once the drawer is visible (it is visibility: hidden while closed).
        window.requestAnimationFrame(function () { if (first) { first.focus(); } });
      } else if (returnFocus) {
        toggle.focus();
      }
    };
    toggle.addEventListener("click", function () {
      setOpen(!shell.classList.contains("nav-open"), false);
    });
    document.addEventListener("keydown", function (event) {
      if (!shell.classList.contains("nav-open")) { return; }
      if (event.key === "Escape") { setOpen(false, true); return; }
      // Tab stays in the open drawer: past its last control it comes back to the first.
      if (event.key === "Tab") {
        var controls = drawer.querySelectorAll("a[href], button");
        var first = controls[0], last = controls[controls.length - 1];
        if (event.shiftKey && document.activeElement === first) { last.focus(); event.preventDefault(); }
        else if (!event.shiftKey && document.activeElement === last) { first.focus(); event.preventDefault(); }
      }
    });
    // A tap on the shaded page beside the drawer closes it.
    document.addEventListener("click", function (event) {
      if (!shell.classList.contains("nav-open")) { return; }
      if (drawer.contains(event.target) || toggle.contains(event.target)) { return; }
      setOpen(false, false);
    });
    // Back on a wide screen the sidebar is always shown: forget the drawer state.
    window.matchMedia("(min-width: 861px)").addEventListener("change", function (mq) {
      if (mq.matches) { setOpen(false, false); }
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
// Header notifications: the bell is a link to the list; with scripts it opens a dropdown whose
// content htmx loads on each opening ("notif-open"). Escape or a click outside closes it.
document.addEventListener("DOMContentLoaded", function () {
  var toggle = document.querySelector("[data-notif-toggle]");
  var panel = document.getElementById("notif-panel");
  if (!toggle || !panel || !window.htmx) { return; }
  toggle.setAttribute("role", "button");
  toggle.setAttribute("aria-haspopup", "true");
  toggle.setAttribute("aria-expanded", "false");
  function close(refocus) {
    if (panel.hidden) { return; }
    panel.hidden = true;
    toggle.setAttribute("aria-expanded", "false");
    if (refocus) { toggle.focus(); }
  }
  function open() {
    panel.hidden = false;
    toggle.setAttribute("aria-expanded", "true");
    htmx.trigger(toggle, "notif-open");
  }
  toggle.addEventListener("click", function (event) {
    event.preventDefault();
    if (panel.hidden) { open(); } else { close(false); }
  });
  toggle.addEventListener("keydown", function (event) {
    if (event.key === " ") { event.preventDefault(); toggle.click(); }
  });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && !panel.hidden) { close(true); }
  });
  document.addEventListener("click", function (event) {
    if (!panel.hidden && !event.target.closest("[data-notif]")) { close(false); }
  });
  // After htmx loads the dropdown, the first item (or its heading button) takes the focus.
  panel.addEventListener("htmx:afterSwap", function () {
    var first = panel.querySelector(".notif-item, #notif-read-all, a");
    if (first && document.activeElement === toggle) { first.focus(); }
  });
});
// A mark-read answer says the new unread count; the header badge follows it.
document.addEventListener("notificationsChanged", function (event) {
  var badge = document.getElementById("unread-count");
  if (!badge || !event.detail) { return; }
  var unread = event.detail.unread || 0;
  badge.textContent = unread;
  badge.hidden = unread === 0;
});
