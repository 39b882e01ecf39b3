/* Form error summaries (templates/snippets/form_errors.html): on a page that comes back with
 * errors, focus goes to the summary, so a screen reader reads it and the keyboard starts there
 * (never on <body>, never silently on the first field). A link in the summary puts the focus in
 * the field it names, not just scrolls to it. Loaded on every page; no inline script (CSP).
 */
(function () {
  "use strict";
  var summary = document.querySelector("[data-error-summary]");
  if (!summary) {
    return;
  }
  // The summary wins over a field's autofocus: the person must hear what went wrong first.
  document.querySelectorAll("[autofocus]").forEach(function (field) {
    field.removeAttribute("autofocus");
  });
  summary.focus();
  document.querySelectorAll("[data-error-summary] a[href^='#']").forEach(function (link) {
    link.addEventListener("click", function (event) {
      var target = document.getElementById(decodeURIComponent(link.hash.slice(1)));
      if (!target) {
        return;
      }
      event.preventDefault();
      var label = document.querySelector("label[for='" + target.id + "']");
      (label || target).scrollIntoView({ block: "center" });
      target.focus({ preventScroll: true });
    });
  });
})();
