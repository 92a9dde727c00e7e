// The global search box in the header (DESIGN §8.1): an ARIA combobox whose listbox htmx fills.
// Arrow keys move through the results, Enter opens one (or the full results page), Escape
// closes the list, and "/" anywhere outside a field focuses the box.
(function () {
  "use strict";

  function setup(form) {
    var input = form.querySelector("input[role=combobox]");
    var list = form.querySelector("[role=listbox]");
    if (!input || !list) { return; }
    var active = -1;

    function options() { return Array.prototype.slice.call(list.querySelectorAll("[role=option]")); }

    // index -1: no option chosen (Enter then opens the full results page).
    function highlight(index) {
      var all = options();
      active = index >= 0 && index < all.length ? index : -1;
      all.forEach(function (option, i) {
        option.setAttribute("aria-selected", i === active ? "true" : "false");
        option.classList.toggle("active", i === active);
      });
      if (active >= 0) {
        input.setAttribute("aria-activedescendant", all[active].id);
        all[active].scrollIntoView({ block: "nearest" });
      } else {
        input.removeAttribute("aria-activedescendant");
      }
    }

    // Down from nothing chosen goes to the first option, up to the last; both wrap around.
    function move(step) {
      var count = options().length;
      if (!count) { return; }
      highlight(active < 0 ? (step > 0 ? 0 : count - 1) : (active + step + count) % count);
    }

    function open() {
      list.hidden = false;
      input.setAttribute("aria-expanded", "true");
    }

    function close() {
      list.hidden = true;
      input.setAttribute("aria-expanded", "false");
      highlight(-1);
    }

    input.addEventListener("keydown", function (event) {
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        if (list.hidden && list.children.length) { open(); }
        move(event.key === "ArrowDown" ? 1 : -1);
        event.preventDefault();
      } else if (event.key === "Enter") {
        var chosen = options()[active];
        if (!list.hidden && chosen) {
          event.preventDefault();
          window.location.assign(chosen.getAttribute("href"));
        }
      } else if (event.key === "Escape") {
        if (!list.hidden) { close(); } else { input.value = ""; }
        event.preventDefault();
      }
    });

    // An empty box asks nothing; it closes the list instead.
    input.addEventListener("htmx:beforeRequest", function (event) {
      if (!input.value.trim()) {
        event.preventDefault();
        list.innerHTML = "";
        close();
      }
    });

    list.addEventListener("htmx:afterSwap", function () {
      highlight(-1);
      if (input.value.trim() && list.children.length) { open(); } else { close(); }
    });

    input.addEventListener("focus", function () {
      if (input.value.trim() && list.children.length) { open(); }
    });

    document.addEventListener("click", function (event) {
      if (!form.contains(event.target)) { close(); }
    });
  }

  function typing(target) {
    var tag = target && target.tagName;
    return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || (target && target.isContentEditable);
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-global-search]").forEach(setup);
  });

  document.addEventListener("keydown", function (event) {
    if (event.key !== "/" || event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) { return; }
    var box = document.querySelector("[data-global-search] input[role=combobox]");
    if (box) {
      event.preventDefault();
      box.focus();
      box.select();
    }
  });
})();
