// The passkey steps of Hearth's pages: adding a passkey on the account page
// and signing in with one on the second step. Passkeys need the browser's
// WebAuthn API, which only script can call; everything else works without
// script. Both steps call the public API routes any client uses
// (INT-SAME-SCOPE), with the session cookie or the second-step token.
(function () {
  "use strict";

  var supported = !!(window.PublicKeyCredential && navigator.credentials && window.fetch);

  // fromB64url decodes base64url (no padding) into an ArrayBuffer.
  function fromB64url(s) {
    s = s.replace(/-/g, "+").replace(/_/g, "/");
    while (s.length % 4) {
      s += "=";
    }
    var bin = atob(s), out = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) {
      out[i] = bin.charCodeAt(i);
    }
    return out.buffer;
  }

  // toB64url encodes an ArrayBuffer as base64url without padding.
  function toB64url(buf) {
    var bytes = new Uint8Array(buf), bin = "";
    for (var i = 0; i < bytes.length; i++) {
      bin += String.fromCharCode(bytes[i]);
    }
    return btoa(bin).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  // decodeIDs turns the base64url IDs of a credential list into buffers.
  function decodeIDs(list) {
    (list || []).forEach(function (c) {
      c.id = fromB64url(c.id);
    });
  }

  // creationOptions prepares the server's options for credentials.create.
  function creationOptions(o) {
    var pk = o.publicKey;
    pk.challenge = fromB64url(pk.challenge);
    pk.user.id = fromB64url(pk.user.id);
    decodeIDs(pk.excludeCredentials);
    return { publicKey: pk };
  }

  // requestOptions prepares the server's options for credentials.get.
  function requestOptions(o) {
    var pk = o.publicKey;
    pk.challenge = fromB64url(pk.challenge);
    decodeIDs(pk.allowCredentials);
    return { publicKey: pk };
  }

  // credentialJSON is the PublicKeyCredential as the server reads it.
  function credentialJSON(c) {
    var r = c.response, out = {
      id: c.id, rawId: toB64url(c.rawId), type: c.type,
      clientExtensionResults: c.getClientExtensionResults ? c.getClientExtensionResults() : {},
      response: { clientDataJSON: toB64url(r.clientDataJSON) }
    };
    if (c.authenticatorAttachment) {
      out.authenticatorAttachment = c.authenticatorAttachment;
    }
    if (r.attestationObject) {
      out.response.attestationObject = toB64url(r.attestationObject);
      if (r.getTransports) {
        out.response.transports = r.getTransports();
      }
    }
    if (r.authenticatorData) {
      out.response.authenticatorData = toB64url(r.authenticatorData);
      out.response.signature = toB64url(r.signature);
      if (r.userHandle) {
        out.response.userHandle = toB64url(r.userHandle);
      }
    }
    return out;
  }

  // post sends body as JSON and resolves with the answer's JSON (or null),
  // rejecting with the problem's detail on an error status.
  function post(url, body) {
    return fetch(url, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "Accept": "application/json" },
      body: body === undefined ? "{}" : JSON.stringify(body)
    }).then(function (res) {
      return res.text().then(function (text) {
        var data = null;
        try {
          data = text ? JSON.parse(text) : null;
        } catch (e) {
          data = null;
        }
        if (!res.ok) {
          throw new Error((data && (data.detail || data.title)) || ("The server answered " + res.status + "."));
        }
        return data;
      });
    });
  }

  // sentence makes an error readable: the browser's own for a cancelled
  // or refused ceremony, the server's detail otherwise.
  function sentence(err) {
    if (err && err.name === "NotAllowedError") {
      return "The passkey step was cancelled or timed out. Nothing was changed; try again.";
    }
    if (err && err.name === "InvalidStateError") {
      return "This device already holds a passkey for your account.";
    }
    var msg = (err && err.message) || "Something went wrong.";
    msg = msg.charAt(0).toUpperCase() + msg.slice(1);
    return /[.!?]$/.test(msg) ? msg : msg + ".";
  }

  function say(el, text, isError) {
    if (!el) {
      return;
    }
    el.textContent = text;
    el.className = isError ? "error" : "";
  }

  // enrol adds a passkey to the signed-in account.
  function enrol(button, status) {
    button.disabled = true;
    say(status, "Follow your browser's prompt to create the passkey…", false);
    post("/v1/me/passkeys/options").then(function (opts) {
      return navigator.credentials.create(creationOptions(opts));
    }).then(function (cred) {
      return post("/v1/me/passkeys", { credential: credentialJSON(cred) });
    }).then(function () {
      say(status, "Your passkey is added. The page now reloads to show it.", false);
      window.location.reload();
    }).catch(function (err) {
      say(status, sentence(err), true);
      button.disabled = false;
    });
  }

  // signIn finishes the second step of a sign-in with a passkey.
  function signIn(button, status) {
    var step = button.getAttribute("data-step");
    var next = button.getAttribute("data-next") || "/";
    if (next.charAt(0) !== "/" || next.charAt(1) === "/" || next.indexOf("\\") >= 0) {
      next = "/";
    }
    button.disabled = true;
    say(status, "Follow your browser's prompt to use your passkey…", false);
    post("/v1/sessions/second-factor/passkey/options", { second_step_token: step }).then(function (opts) {
      return navigator.credentials.get(requestOptions(opts));
    }).then(function (cred) {
      return post("/v1/sessions/second-factor/passkey", { second_step_token: step, credential: credentialJSON(cred) });
    }).then(function () {
      say(status, "You are signed in.", false);
      window.location.assign(next);
    }).catch(function (err) {
      say(status, sentence(err), true);
      button.disabled = false;
    });
  }

  function setUp(id, action) {
    var button = document.getElementById(id);
    if (!button) {
      return;
    }
    var status = document.getElementById("passkey-status");
    var unsupported = document.getElementById("passkey-unsupported");
    if (!supported) {
      button.hidden = true;
      if (unsupported) {
        unsupported.hidden = false;
      }
      return;
    }
    if (unsupported) {
      unsupported.hidden = true;
    }
    button.hidden = false;
    button.addEventListener("click", function () {
      action(button, status);
    });
  }

  setUp("passkey-enrol", enrol);
  setUp("passkey-signin", signIn);
}());
