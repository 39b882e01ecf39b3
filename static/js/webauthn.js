/* Security keys and passkeys in the browser: run navigator.credentials, post the answer.
 *
 * Forms opt in with data attributes (no inline script: the Content-Security-Policy forbids it):
 *   <form data-webauthn="create" data-webauthn-options="ID">  adds a key; the JSON in #ID is
 *       {"key": options, "passkey": options} and a checkbox named "passwordless" picks one;
 *   <form data-webauthn="get" data-webauthn-options="ID">     signs in with a key; #ID holds
 *       the request options.
 * The options come from the server in WebAuthn's JSON form (binary values as base64url, written
 * by Django's json_script); the answer goes back the same way in the hidden "credential" input.
 * Errors are shown in the form's [data-webauthn-error] element, whose data-message-* attributes
 * hold the translated texts (templates/mfa/_webauthn_error.html).
 */
(function () {
  "use strict";

  function base64urlToBuffer(value) {
    const base64 = value.replace(/-/g, "+").replace(/_/g, "/");
    const binary = atob(base64 + "=".repeat((4 - (base64.length % 4)) % 4));
    return Uint8Array.from(binary, (c) => c.charCodeAt(0)).buffer;
  }

  function bufferToBase64url(buffer) {
    const binary = String.fromCharCode(...new Uint8Array(buffer));
    return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function decodeDescriptors(descriptors) {
    return (descriptors || []).map((d) => ({ ...d, id: base64urlToBuffer(d.id) }));
  }

  function decodeCreationOptions(options) {
    return {
      ...options,
      challenge: base64urlToBuffer(options.challenge),
      user: { ...options.user, id: base64urlToBuffer(options.user.id) },
      excludeCredentials: decodeDescriptors(options.excludeCredentials),
    };
  }

  function decodeRequestOptions(options) {
    return {
      ...options,
      challenge: base64urlToBuffer(options.challenge),
      allowCredentials: decodeDescriptors(options.allowCredentials),
    };
  }

  function encodeCredential(credential) {
    const response = credential.response;
    const json = {
      id: credential.id,
      rawId: bufferToBase64url(credential.rawId),
      type: credential.type,
      clientExtensionResults: credential.getClientExtensionResults(),
      response: { clientDataJSON: bufferToBase64url(response.clientDataJSON) },
    };
    if (credential.authenticatorAttachment) {
      json.authenticatorAttachment = credential.authenticatorAttachment;
    }
    if (response.attestationObject) {
      json.response.attestationObject = bufferToBase64url(response.attestationObject);
      json.response.transports = response.getTransports ? response.getTransports() : [];
    } else {
      json.response.authenticatorData = bufferToBase64url(response.authenticatorData);
      json.response.signature = bufferToBase64url(response.signature);
      if (response.userHandle) {
        json.response.userHandle = bufferToBase64url(response.userHandle);
      }
    }
    return json;
  }

  function runCeremony(form) {
    const script = document.getElementById(form.dataset.webauthnOptions);
    const options = JSON.parse(script.textContent);
    if (form.dataset.webauthn === "create") {
      const passkey = form.querySelector("input[name=passwordless]");
      const chosen = passkey && passkey.checked ? options.passkey : options.key;
      return navigator.credentials.create({ publicKey: decodeCreationOptions(chosen) });
    }
    return navigator.credentials.get({ publicKey: decodeRequestOptions(options) });
  }

  // The messages are translated by the page (templates/mfa/_webauthn_error.html puts them in
  // data-message-* attributes of the error box): no strings to translate in this file, and no
  // inline script or JavaScript catalogue needed under the Content-Security-Policy.
  function message(form, name) {
    return form.querySelector("[data-webauthn-error]").dataset[name] || "";
  }

  function describeError(form, error) {
    if (error && error.name === "NotAllowedError") {
      return message(form, "messageCancelled");
    }
    if (error && error.name === "InvalidStateError") {
      return message(form, "messageRegistered");
    }
    if (error && error.message) {
      return message(form, "messageFailedDetail").replace("%(detail)s", error.message);
    }
    return message(form, "messageFailed");
  }

  function showError(form, message) {
    const box = form.querySelector("[data-webauthn-error]");
    box.textContent = message;
    box.classList.remove("d-none");
  }

  function onSubmit(event) {
    const form = event.currentTarget;
    const field = form.querySelector("input[name=credential]");
    if (field.value) {
      return; // The key's answer is in: let the form post.
    }
    event.preventDefault();
    if (!window.PublicKeyCredential || !navigator.credentials) {
      showError(form, message(form, "messageUnsupported"));
      return;
    }
    const buttons = form.querySelectorAll("button[type=submit]");
    buttons.forEach((b) => { b.disabled = true; });
    runCeremony(form)
      .then((credential) => {
        field.value = JSON.stringify(encodeCredential(credential));
        form.submit();
      })
      .catch((error) => {
        showError(form, describeError(form, error));
        buttons.forEach((b) => { b.disabled = false; });
      });
  }

  document.querySelectorAll("form[data-webauthn]").forEach((form) => {
    form.addEventListener("submit", onSubmit);
  });
})();
