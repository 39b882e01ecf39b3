/* The settings menu on a phone is one row that scrolls sideways (site.css, .manage-menu):
 * bring the current page's link into view, so "where am I" is never scrolled off. */
(function () {
  "use strict";
  var current = document.querySelector(".manage-menu [aria-current=page]");
  if (current && current.parentElement.scrollWidth > current.parentElement.clientWidth) {
    current.scrollIntoView({ block: "nearest", inline: "center" });
  }
})();
