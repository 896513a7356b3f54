// Hearth's web page: signs in and reads through the public API only.
"use strict";

async function api(method, path, body) {
  const opts = { method, headers: { "Accept": "application/json" }, credentials: "same-origin" };
  if (body !== undefined) {
    opts.headers["Content-Type"] = "application/json";
    opts.body = JSON.stringify(body);
  }
  const res = await fetch(path, opts);
  const text = await res.text();
  const data = text ? JSON.parse(text) : null;
  if (!res.ok) {
    const err = new Error((data && (data.detail || data.title)) || res.statusText);
    err.status = res.status;
    throw err;
  }
  return data;
}

function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
  for (const c of children) e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return e;
}

function table(headers, rows) {
  const t = el("table", {}, el("thead", {}, el("tr", {}, ...headers.map(h => el("th", {}, h)))));
  const body = el("tbody");
  for (const r of rows) body.append(el("tr", {}, ...r.map(c => el("td", {}, c))));
  t.append(body);
  return t;
}

function items(page) {
  if (Array.isArray(page)) return page;
  for (const k of ["items", "households", "members", "devices", "readings"]) {
    if (page && Array.isArray(page[k])) return page[k];
  }
  return [];
}

// corePurpose picks a purpose to read with: the notice lists them, and the
// first one on contract is the product's core function.
async function corePurpose() {
  try {
    const notice = await api("GET", "/privacy.json");
    const ps = notice.purposes || [];
    const core = ps.find(p => p.core) || ps[0];
    return core ? core.id : "";
  } catch (e) {
    return "";
  }
}

// supportText says a device's support period in a line (LIFETIME-CLEAR):
// its security-update end and, once it has passed, what to do.
function supportText(s) {
  if (!s) return "";
  const parts = [s.security_updates_ended ? s.advice : `Security updates until ${s.security_updates_until}`];
  if (s.service_lifetime) parts.push(`expected lifetime ${s.service_lifetime}`);
  for (const l of s.support_levels || []) parts.push(`${l.name} until ${l.until}`);
  return parts.join("; ");
}

// repairText says where to get a device repaired and which spare parts
// are sold until when (REPAIR-INFO).
function repairText(s) {
  const r = s && s.repair;
  if (!r) return "";
  const parts = [r.info, r.url].filter(Boolean);
  for (const p of r.spare_parts || []) parts.push(`${p.name} sold until ${p.until}`);
  return parts.join("; ");
}

async function showHousehold(hh, purpose) {
  const box = el("section", {}, el("h2", {}, hh.name || hh.id));
  const [members, devices] = await Promise.all([
    api("GET", `/v1/households/${hh.id}/members`),
    api("GET", `/v1/households/${hh.id}/devices`),
  ]);
  const names = new Map(items(members).map(m => [m.id || m.person_id, m.display_name]));
  box.append(el("h3", {}, "People"), table(["Name", "Role", "What they control"],
    items(members).map(m => [m.display_name || m.name || m.person_id || m.id, m.role, m.controls || ""])));
  box.append(el("h3", {}, "Devices"), table(["Device", "Model", "Firmware", "Mode", "Claimed", "Support", "Repair"],
    items(devices).map(d => [d.id, d.model, d.firmware || "", d.mode || "cloud",
      d.claimed ? new Date(d.claimed).toLocaleString() : "", supportText(d.support), repairText(d.support)])));
  try {
    const since = new Date(Date.now() - 15 * 60 * 1000).toISOString();
    const q = new URLSearchParams({ limit: "1000", from: since });
    if (purpose) q.set("purpose", purpose);
    const page = await api("GET", `/v1/households/${hh.id}/readings?${q}`);
    const rs = items(page).slice(-20).reverse();
    box.append(el("h3", {}, `Latest readings of the last 15 minutes (read for the purpose "${purpose}")`),
      table(["Time", "Device", "Category", "Person", "Values"],
        rs.map(r => [new Date(r.time).toLocaleString(), r.device_id, r.category,
          r.person_id ? (names.get(r.person_id) || r.person_id) : "household", JSON.stringify(r.values)])));
  } catch (e) {
    box.append(el("p", { class: "error" }, `Readings: ${e.message}`));
  }
  return box;
}

async function showHome() {
  const me = await api("GET", "/v1/me");
  document.getElementById("me").textContent = me.display_name || me.email || "you";
  const list = document.getElementById("households");
  list.replaceChildren();
  const purpose = await corePurpose();
  const hhs = items(await api("GET", "/v1/households"));
  if (hhs.length === 0) list.append(el("p", { class: "muted" }, "You are not a member of any household yet."));
  for (const hh of hhs) list.append(await showHousehold(hh, purpose));
  document.getElementById("signin").hidden = true;
  document.getElementById("home").hidden = false;
}

document.getElementById("signin-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const f = new FormData(ev.target);
  const msg = document.getElementById("signin-error");
  msg.textContent = "";
  try {
    const r = await api("POST", "/v1/sessions", { email: f.get("email"), password: f.get("password") });
    if (r && r.second_factor_required) {
      secondStep = r.second_step_token;
      ev.target.hidden = true;
      document.getElementById("code-form").hidden = false;
      return;
    }
    await showHome();
  } catch (e) {
    msg.textContent = e.message;
  }
});

// secondStep is the token a right password gives an account with a second
// factor; a code from the app (six digits) or a recovery code finishes it.
let secondStep = "";

document.getElementById("code-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const code = String(new FormData(ev.target).get("code")).trim();
  const msg = document.getElementById("signin-error");
  msg.textContent = "";
  try {
    const method = /^[0-9]{6}$/.test(code) ? "totp" : "recovery";
    await api("POST", "/v1/sessions/second-factor", { second_step_token: secondStep, method, code });
    await showHome();
  } catch (e) {
    msg.textContent = e.message;
  }
});

document.getElementById("signout").addEventListener("click", async () => {
  await api("DELETE", "/v1/sessions/current").catch(() => {});
  location.reload();
});

showHome().catch(() => { /* not signed in */ });
