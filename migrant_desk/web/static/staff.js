// What the counselor console and the editor page share: sign-in with a staff token (kept in sessionStorage, so
// it is gone when the tab closes), an API helper that sends it, and a DOM builder. Text from the server goes into
// the page with textContent only.
"use strict";
window.Staff = (function () {
  const TOKEN_KEY = "migrant-desk.staff-token";
  const $ = (id) => document.getElementById(id);

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (name === "class") node.className = value;
      else if (name === "onclick") node.addEventListener("click", value);
      else if (name === "text") node.textContent = value;
      else node.setAttribute(name, value === true ? "" : value);
    }
    for (const child of children) {
      if (child === null || child === undefined || child === false) continue;
      node.append(child);
    }
    return node;
  }

  function token() {
    try { return sessionStorage.getItem(TOKEN_KEY); } catch (e) { return null; }
  }

  let onUnauthorized = () => {};

  // Returns {ok, status, data}; data is the JSON body (or null). A 401 signs the user out.
  async function api(path, options) {
    const { method = "GET", body, signal } = options || {};
    const headers = { Accept: "application/json" };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    const current = token();
    if (current) headers.Authorization = "Bearer " + current;
    let response;
    try {
      response = await fetch(path, { method, headers, signal,
        body: body === undefined ? undefined : JSON.stringify(body) });
    } catch (e) {
      if (e.name === "AbortError") return { ok: false, status: 0, aborted: true, data: null };
      return { ok: false, status: 0, data: { code: "network", message: "The service cannot be reached." } };
    }
    const data = response.status === 204 ? null : await response.json().catch(() => null);
    if (response.status === 401) onUnauthorized(data);
    return { ok: response.ok, status: response.status, data };
  }

  function errorText(result) {
    return (result.data && result.data.message) || `The request failed (HTTP ${result.status}).`;
  }

  // One live region per page for results of actions ("Published revision 4.") and one alert for failures.
  function say(text) { $("announce").textContent = text; $("problem").textContent = ""; }
  function fail(textOrResult) {
    $("problem").textContent = typeof textOrResult === "string" ? textOrResult : errorText(textOrResult);
  }

  function time(iso) {
    if (!iso) return "";
    const d = new Date(iso);
    if (Number.isNaN(d.getTime())) return iso;
    const pad = (n) => String(n).padStart(2, "0");
    return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}`;
  }

  // Shows the sign-in form until a token of one of `roles` is given; then calls onReady(user) once.
  function signIn(roles, onReady) {
    const form = $("signin"), input = $("token"), error = $("signin-error"), app = $("app");
    const who = $("who"), out = $("signout");

    function showForm(message) {
      app.hidden = true;
      form.hidden = false;
      out.hidden = true;
      who.textContent = "";
      error.textContent = message || "";
      input.focus();
    }

    async function check() {
      const result = await api("/v1/me");
      if (!result.ok) {
        try { sessionStorage.removeItem(TOKEN_KEY); } catch (e) { /* storage off */ }
        showForm(result.status === 403 ? `This page is for ${roles.join(" or ")} accounts.` : errorText(result));
        return;
      }
      const user = result.data;
      if (!roles.includes(user.role)) {
        try { sessionStorage.removeItem(TOKEN_KEY); } catch (e) { /* storage off */ }
        showForm(`This page is for ${roles.join(" or ")} accounts; ${user.name} is a ${user.role}.`);
        return;
      }
      form.hidden = true;
      app.hidden = false;
      out.hidden = false;
      who.textContent = `${user.name} (${user.role}${user.languages.length ? "; " + user.languages.join(", ") : ""})`;
      onReady(user);
    }

    onUnauthorized = (data) => showForm((data && data.message) || "Please sign in again.");
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const value = input.value.trim();
      if (!value) { error.textContent = "Paste your staff token (from `migrant-desk users add`)."; return; }
      try { sessionStorage.setItem(TOKEN_KEY, value); } catch (e) { /* storage off: this tab only */ }
      input.value = "";
      check();
    });
    out.addEventListener("click", () => {
      try { sessionStorage.removeItem(TOKEN_KEY); } catch (e) { /* storage off */ }
      window.location.reload();
    });
    if (token()) check(); else showForm("");
  }

  return { $, el, api, errorText, say, fail, time, signIn };
})();
