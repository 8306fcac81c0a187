// Passkeys in the browser (served by the service: the pages allow no other script). WebAuthn
// takes and gives ArrayBuffers; the API speaks JSON with base64url, so this converts both ways
// around navigator.credentials.create() and .get(). No library from outside.
"use strict";

function bytesOf(text) {
  const base64 = text.replace(/-/g, "+").replace(/_/g, "/");
  const binary = atob(base64 + "=".repeat((4 - (base64.length % 4)) % 4));
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes.buffer;
}

function textOf(buffer) {
  let binary = "";
  for (const byte of new Uint8Array(buffer)) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

async function post(url, body) {
  const response = await fetch(url, {
    method: "POST",
    credentials: "same-origin",
    headers: { "Content-Type": "application/json", Accept: "application/json" },
    body: JSON.stringify(body || {}),
  });
  const answer = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(answer.detail || "The server refused (" + response.status + ")");
  return answer;
}

function show(id, message) {
  const element = document.getElementById(id);
  if (!element) return;
  element.textContent = message;
  element.hidden = !message;
}

function failure(error) {
  if (error && error.name === "NotAllowedError") return "Cancelled, or no passkey was chosen.";
  if (error && error.name === "InvalidStateError") return "This device holds a passkey of yours already.";
  return (error && error.message) || "Something went wrong.";
}

async function register(form) {
  show("passkey-add-error", "");
  const start = await post("/users/me/passkeys/register/start");
  const options = start.options.publicKey;
  options.challenge = bytesOf(options.challenge);
  options.user.id = bytesOf(options.user.id);
  for (const excluded of options.excludeCredentials || []) excluded.id = bytesOf(excluded.id);
  const credential = await navigator.credentials.create({ publicKey: options });
  const response = credential.response;
  await post("/users/me/passkeys/register/finish", {
    ceremony: start.ceremony,
    name: form.elements.name.value,
    credential: {
      id: credential.id,
      rawId: textOf(credential.rawId),
      type: credential.type,
      response: {
        clientDataJSON: textOf(response.clientDataJSON),
        attestationObject: textOf(response.attestationObject),
        transports: response.getTransports ? response.getTransports() : undefined,
      },
      extensions: credential.getClientExtensionResults(),
    },
  });
  window.location.reload();
}

// A sign-in (`/passkeys/login/…`) or, on the code page, the second step (`/passkeys/mfa/…`,
// with the pending login's mfa_token): the answer goes in the form, which the browser submits.
async function signIn(form, errorId, path) {
  show(errorId, "");
  const mfaToken = form.elements.mfa_token;
  const start = await post(path + "/start", mfaToken ? { mfa_token: mfaToken.value } : {});
  const options = start.options.publicKey;
  options.challenge = bytesOf(options.challenge);
  for (const allowed of options.allowCredentials || []) allowed.id = bytesOf(allowed.id);
  const credential = await navigator.credentials.get({ publicKey: options });
  const response = credential.response;
  form.elements.ceremony.value = start.ceremony;
  form.elements.credential.value = JSON.stringify({
    id: credential.id,
    rawId: textOf(credential.rawId),
    type: credential.type,
    response: {
      clientDataJSON: textOf(response.clientDataJSON),
      authenticatorData: textOf(response.authenticatorData),
      signature: textOf(response.signature),
      userHandle: response.userHandle ? textOf(response.userHandle) : null,
    },
    extensions: credential.getClientExtensionResults(),
  });
  form.submit();
}

async function remove(button) {
  const response = await fetch("/users/me/passkeys/" + encodeURIComponent(button.dataset.id), {
    method: "DELETE",
    credentials: "same-origin",
  });
  if (!response.ok && response.status !== 404) {
    const answer = await response.json().catch(() => ({}));
    show("passkey-add-error", answer.detail || "Could not remove it.");
    return;
  }
  window.location.reload();
}

document.addEventListener("DOMContentLoaded", () => {
  const supported = Boolean(window.PublicKeyCredential && navigator.credentials);
  for (const [formId, errorId, path] of [
    ["passkey-form", "passkey-error", "/passkeys/login"],
    ["passkey-mfa-form", "passkey-mfa-error", "/passkeys/mfa"],
  ]) {
    const form = document.getElementById(formId);
    if (!form) continue;
    form.hidden = !supported;
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      signIn(form, errorId, path).catch((error) => show(errorId, failure(error)));
    });
  }
  const addForm = document.getElementById("passkey-add");
  if (addForm) {
    if (!supported) show("passkey-add-error", "This browser cannot use passkeys.");
    addForm.addEventListener("submit", (event) => {
      event.preventDefault();
      register(addForm).catch((error) => show("passkey-add-error", failure(error)));
    });
  }
  for (const button of document.querySelectorAll("button[data-remove-passkey]")) {
    button.addEventListener("click", () => {
      remove(button).catch((error) => show("passkey-add-error", failure(error)));
    });
  }
});
