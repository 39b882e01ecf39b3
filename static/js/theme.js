/* Light, dark or automatic theme (Bootstrap's data-bs-theme on <html>).
 *
 * Loaded in <head> without defer so the theme is set before the first paint (no flash of
 * the light theme on a dark screen); no inline script (CSP). "auto" follows the system's
 * prefers-color-scheme, live; the choice is remembered in localStorage ("theme"). The toggle
 * (templates/snippets/theme_toggle.html) is hidden until this script shows it, as it needs JS.
 */
(function () {
  "use strict";
  var KEY = "theme";
  var MODES = ["light", "dark", "auto"];
  var root = document.documentElement;
  var query = window.matchMedia ? window.matchMedia("(prefers-color-scheme: dark)") : null;

  function stored() {
    try {
      var value = window.localStorage.getItem(KEY);
      return MODES.indexOf(value) >= 0 ? value : "auto";
    } catch (e) {
      return "auto"; // storage blocked: follow the system
    }
  }

  function apply(mode) {
    var dark = mode === "dark" || (mode === "auto" && query !== null && query.matches);
    root.setAttribute("data-bs-theme", dark ? "dark" : "light");
    root.setAttribute("data-theme-mode", mode);
    document.querySelectorAll("[data-theme-value]").forEach(function (button) {
      button.setAttribute("aria-pressed", button.dataset.themeValue === mode ? "true" : "false");
      button.classList.toggle("active", button.dataset.themeValue === mode);
    });
  }

  apply(stored());
  if (query !== null) {
    var follow = function () {
      if (stored() === "auto") {
        apply("auto");
      }
    };
    query.addEventListener ? query.addEventListener("change", follow) : query.addListener(follow);
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-theme-toggle]").forEach(function (toggle) {
      toggle.hidden = false;
    });
    document.querySelectorAll("[data-theme-value]").forEach(function (button) {
      button.addEventListener("click", function () {
        var mode = button.dataset.themeValue;
        try {
          window.localStorage.setItem(KEY, mode);
        } catch (e) {
          /* not remembered, still applied */
        }
        apply(mode);
      });
    });
    apply(stored());
  });
})();
