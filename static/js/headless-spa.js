/* The headless API demo page (static/headless/spa.html): vanilla JS over the browser client.
 *
 * Every unsafe request sends the CSRF token read from the readable cookie (HEADLESS_CSRF_COOKIE_NAME,
 * "csrftoken" by default; ?csrf_cookie=NAME overrides), as allauth's own client does.
 */
(function () {
  "use strict";
  const API = "/_allauth/browser/v1/";
  const params = new URLSearchParams(window.location.search);
  const csrfCookie = params.get("csrf_cookie") || "csrftoken";
  const $ = (selector) => document.querySelector(selector);

  function cookie(name) {
    const item = document.cookie.split("; ").find((c) => c.startsWith(name + "="));
    return item ? decodeURIComponent(item.slice(name.length + 1)) : "";
  }

  async function call(method, path, body) {
    const headers = { Accept: "application/json" };
    if (method !== "GET") {
      headers["X-CSRFToken"] = cookie(csrfCookie);
    }
    if (body !== undefined) {
      headers["Content-Type"] = "application/json";
    }
    const response = await fetch(API + path, {
      method: method,
      headers: headers,
      credentials: "same-origin",
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return response.json();
  }

  function show(view) {
    document.querySelectorAll("[data-view]").forEach((el) => {
      el.hidden = el.dataset.view !== view;
    });
  }

  function setStatus(text) {
    $("[data-testid=status]").textContent = text;
  }

  function setError(payload) {
    const errors = (payload && payload.errors) || [];
    $("[data-testid=error]").textContent = errors.map((e) => e.message).join(" ");
  }

  async function render(payload) {
    setError(payload);
    if (payload.status === 200 && payload.data && payload.data.user) {
      show("authenticated");
      $("[data-testid=username]").textContent = payload.data.user.username;
      setStatus("Signed in as " + payload.data.user.username + ".");
      const list = await call("GET", "account/authenticators");
      const hasTotp = (list.data || []).some((a) => a.type === "totp");
      $("[data-testid=totp-on]").hidden = !hasTotp;
      $("[data-testid=totp-off]").hidden = hasTotp;
      return;
    }
    const flows = (payload.data && payload.data.flows) || [];
    const pending = flows.find((f) => f.is_pending);
    if (pending && pending.id === "mfa_authenticate") {
      show("mfa");
      setStatus("Enter the code from your authenticator app.");
      return;
    }
    if (payload.status === 401) {
      show("anonymous");
      setStatus("Signed out.");
    }
  }

  function formData(form) {
    return Object.fromEntries(new FormData(form).entries());
  }

  document.addEventListener("submit", async (event) => {
    const form = event.target.closest("form[data-action]");
    if (!form) {
      return;
    }
    event.preventDefault();
    const data = formData(form);
    const action = form.dataset.action;
    if (action === "signup") {
      render(await call("POST", "auth/signup", data));
    } else if (action === "login") {
      render(await call("POST", "auth/login", data));
    } else if (action === "mfa") {
      render(await call("POST", "auth/2fa/authenticate", data));
    } else if (action === "totp-activate") {
      const result = await call("POST", "account/authenticators/totp", data);
      setError(result);
      if (result.status === 200) {
        form.hidden = true;
        render(await call("GET", "auth/session"));
      }
    }
  });

  document.addEventListener("click", async (event) => {
    const button = event.target.closest("button[data-action]");
    if (!button) {
      return;
    }
    if (button.dataset.action === "logout") {
      render(await call("DELETE", "auth/session"));
    } else if (button.dataset.action === "totp-start") {
      const result = await call("GET", "account/authenticators/totp");
      if (result.status === 404) {
        $("[data-testid=totp-secret]").textContent = result.meta.secret;
        $("form[data-action=totp-activate]").hidden = false;
      } else {
        setError(result);
      }
    }
  });

  (async function boot() {
    await call("GET", "config"); // sets the readable CSRF cookie
    render(await call("GET", "auth/session"));
  })();
})();
