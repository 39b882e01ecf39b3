// The browser's time zone, reported in the `tz` cookie so pages show times in it
// (accounts.middleware.UserPreferencesMiddleware), and the language switcher's auto-submit.
(function () {
  "use strict";
  try {
    var zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    var current = (document.cookie.match(/(?:^|;\s*)tz=([^;]*)/) || [])[1];
    if (zone && /^[A-Za-z0-9_+\/-]+$/.test(zone) && current !== zone) {
      var secure = location.protocol === "https:" ? "; Secure" : "";
      document.cookie = "tz=" + zone + "; Path=/; Max-Age=31536000; SameSite=Lax" + secure;
    }
  } catch (e) {
    /* No Intl time zone: times stay in the site's zone. */
  }
  document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
    select.addEventListener("change", function () {
      select.form.requestSubmit ? select.form.requestSubmit() : select.form.submit();
    });
  });
})();
