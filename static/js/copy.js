// "Copy" buttons (data-copy holds the text): shown only where this script runs, announce the
// copy through a polite live region, and fall back to selecting the text when the clipboard
// is not available (http pages other than localhost, old browsers).
(function () {
  "use strict";
  document.querySelectorAll("button[data-copy]").forEach(function (button) {
    var label = button.textContent;
    var status = document.getElementById(button.dataset.copyStatus);
    var source = document.getElementById(button.dataset.copySource);
    button.classList.remove("d-none");
    function announce(text) {
      button.textContent = text;
      if (status) status.textContent = text;
      window.setTimeout(function () { button.textContent = label; }, 2000);
    }
    function selectSource() {
      if (!source) return;
      var range = document.createRange();
      range.selectNodeContents(source);
      var selection = window.getSelection();
      selection.removeAllRanges();
      selection.addRange(range);
      source.focus();
    }
    button.addEventListener("click", function () {
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(button.dataset.copy).then(
          function () { announce(button.dataset.copiedLabel); },
          function () { selectSource(); announce(button.dataset.selectedLabel); }
        );
      } else {
        selectSource();
        announce(button.dataset.selectedLabel);
      }
    });
  });
})();
