// The editor page's "Offices" section: the office records with their verified flag, and a form for one record's
// phone, hours, address, districts, checked date and verified flag; save as draft, review, publish, history.
// Everything goes through /v1/editor/offices (migrant_desk/editorial/offices_api.py). Kept apart from editor.js:
// it loads its list only when the section is opened, so it needs nothing from that script but window.Staff.
"use strict";
(function () {
  const { $, el, api, say, fail, time } = window.Staff;
  const KIND_NAMES = { immigration: "immigration office", labour: "labour office", "family-centre": "family centre" };
  // The form's inputs by the record field a server message names ("field districts.3: ...").
  const FIELD_INPUTS = { phone: "o-phone", hours: "o-hours", address: "o-address-ko", districts: "o-districts",
    checked: "o-checked", verified: "o-verified" };

  let rows = [];       // GET /v1/editor/offices
  let office = null;   // the open record's state (GET /v1/editor/offices/{id})
  let me = null;       // the signed-in editor (/v1/me), to know whose draft it is

  const lines = (text) => text.split("\n").map((s) => s.trim()).filter(Boolean);

  function clearInvalid() {
    for (const id of Object.values(FIELD_INPUTS)) $(id).removeAttribute("aria-invalid");
  }

  // A refusal is announced (Staff.fail: the page's alert region); the field it names is marked and focused.
  function refuse(result) {
    fail(result);
    const match = /field ([a-z_]+)/.exec((result.data && result.data.message) || "");
    const input = match && FIELD_INPUTS[match[1]];
    if (input) {
      $(input).setAttribute("aria-invalid", "true");
      $(input).focus();
    }
  }

  async function loadList() {
    const result = await api("/v1/editor/offices");
    if (!result.ok) { fail(result); return; }
    rows = result.data;
    renderList();
  }

  function renderList() {
    const kind = $("o-kind").value;
    const shown = rows.filter((r) => !kind || r.kind === kind);
    const unverified = shown.filter((r) => !r.verified).length;
    $("o-list").replaceChildren(...shown.map((r) => el("tr", { "aria-current": office && office.id === r.id ? "true" : null },
      el("td", {}, el("span", { lang: "ko" }, r.name), el("span", { class: "when" }, r.id)),
      el("td", {}, KIND_NAMES[r.kind] || r.kind),
      el("td", {}, r.verified ? el("span", { class: "badge ok" }, "verified")
        : el("span", { class: "badge warn" }, "unverified"), el("span", { class: "when" }, `checked ${r.checked}`)),
      el("td", {}, r.published_revision === null ? el("span", { class: "badge warn" }, "never published")
        : r.head_revision !== r.published_revision ? el("span", { class: "badge warn" }, "unpublished changes")
          : el("span", { class: "help" }, `revision ${r.published_revision}`)),
      el("td", {}, el("button", { type: "button", class: "secondary small", "aria-label": `Edit ${r.name} (${r.id})`,
        onclick: () => openOffice(r.id) }, "Edit")))));
    $("o-count").textContent = `${shown.length} office record${shown.length === 1 ? "" : "s"}, ${unverified} unverified`;
  }

  async function openOffice(id, focus = true) {
    const result = await api(`/v1/editor/offices/${encodeURIComponent(id)}`);
    if (!result.ok) { fail(result); return; }
    office = result.data;
    const d = office.draft;
    clearInvalid();
    $("o-form").hidden = false;
    $("o-title").textContent = `${d.name.ko}${d.name.en ? " · " + d.name.en : ""} (${d.id})`;
    $("o-phone").value = d.phone || "";
    $("o-hours").value = d.hours || "";
    $("o-address-ko").value = (d.address && d.address.ko) || "";
    $("o-address-en").value = (d.address && d.address.en) || "";
    $("o-districts").value = (d.districts || []).map((x) => `${x.province} ${x.name}`).join("\n");
    $("o-checked").value = d.checked;
    $("o-verified").checked = Boolean(d.verified);
    $("o-note").value = "";
    renderState();
    renderList();
    loadRevisions();
    if (focus) $("o-title").focus();
  }

  function renderState() {
    $("o-state").replaceChildren(el("span", {},
      `Draft revision ${office.head_revision} · published revision ${office.published_revision ?? "none"} `,
      office.has_unpublished_changes ? el("span", { class: "badge warn" }, "unpublished changes")
        : el("span", { class: "badge ok" }, "published is current"),
      office.review_approved && office.has_unpublished_changes ? el("span", { class: "badge ok" }, "review approved") : null));
    $("o-publish").disabled = !office.has_unpublished_changes;
    const ownDraft = me && office.head_author === `user:${me.id}`;
    $("o-review").disabled = !office.has_unpublished_changes || office.review_approved || Boolean(ownDraft);
  }

  async function loadRevisions() {
    const result = await api(`/v1/editor/offices/${encodeURIComponent(office.id)}/revisions`);
    if (!result.ok) { fail(result); return; }
    $("o-revisions").replaceChildren(...result.data.slice().reverse().map((r) => el("tr", {},
      el("td", {}, String(r.number), r.published ? el("span", { class: "badge ok" }, " published") : null),
      el("td", {}, r.author_name || r.author), el("td", {}, time(r.created_at)), el("td", {}, r.note || ""))));
  }

  // The whole record back, with the form's fields changed; an emptied optional field is left out, as in the files.
  function edited() {
    const data = JSON.parse(JSON.stringify(office.draft));
    const set = (key, value) => { if (value) data[key] = value; else delete data[key]; };
    set("phone", $("o-phone").value.trim());
    set("hours", $("o-hours").value.trim());
    const address = Object.assign({}, data.address || {});
    for (const code of ["ko", "en"]) {
      const value = $("o-address-" + code).value.trim();
      if (value) address[code] = value; else delete address[code];
    }
    set("address", Object.keys(address).length ? address : null);
    data.districts = lines($("o-districts").value).map((line) => {
      const [province, ...name] = line.split(/\s+/);
      return { province, name: name.join(" ") };
    });
    data.checked = $("o-checked").value;
    data.verified = $("o-verified").checked;
    return data;
  }

  $("o-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    clearInvalid();
    if (!$("o-checked").value) {
      fail("The checked date is required.");
      $("o-checked").setAttribute("aria-invalid", "true");
      $("o-checked").focus();
      return;
    }
    const result = await api(`/v1/editor/offices/${encodeURIComponent(office.id)}`, { method: "PUT",
      body: { office: edited(), note: $("o-note").value.trim() } });
    if (!result.ok) { refuse(result); return; }
    say(`${office.id} saved as draft revision ${result.data.revision}. Chat still shows the published record until you publish.`);
    await loadList();
    await openOffice(office.id, false);
  });

  $("o-review").addEventListener("click", async () => {
    const result = await api(`/v1/editor/offices/${encodeURIComponent(office.id)}/review`, { method: "POST" });
    if (!result.ok) { fail(result); return; }
    say(`You approved revision ${result.data.approved_revision} of ${office.id}.`);
    await openOffice(office.id, false);
  });

  $("o-publish").addEventListener("click", async () => {
    $("o-publish").disabled = true;
    const result = await api(`/v1/editor/offices/${encodeURIComponent(office.id)}/publish`, { method: "POST" });
    if (!result.ok) { refuse(result); $("o-publish").disabled = false; return; }
    say(`Published ${office.id} (revision ${result.data.revision}). Chat and the office lookup use it now.`);
    await loadList();
    await openOffice(office.id, false);
  });

  $("o-kind").addEventListener("change", renderList);

  // Nothing is fetched until an editor opens the section (the page signs in through editor.js first).
  $("offices-box").addEventListener("toggle", async () => {
    if (!$("offices-box").open || rows.length) return;
    const who = await api("/v1/me");
    if (who.ok) me = who.data;
    await loadList();
  });
})();
