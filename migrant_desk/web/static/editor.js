// The editor page: entries (search, each language variant with its translation status, drafts, review, publish,
// revision history with diff and rollback), stale/machine/missing translations per language, and the
// content-gap report with "start a new entry from this gap". Everything goes through /v1/editor/... (docs/editorial.md).
"use strict";
(function () {
  const { $, el, api, say, fail, time, signIn } = window.Staff;
  const config = JSON.parse($("config").textContent);
  const LANGS = Object.keys(config.languages);
  const ORIGINALS = ["ko", "en"];
  const STATUS_HELP = {
    human: "written by a person",
    reviewed: "a machine translation an editor accepted",
    machine: "machine translation, not reviewed yet",
    stale: "the English text changed after this was written: check it and save it again",
    missing: "no variant in this language yet: write one and save it as a draft",
  };

  const STATE_SECONDS = 5;  // how often the open entry's review state is checked
  let me = null;           // the signed-in editor (/v1/me)
  let entry = null;        // EntryState of the open entry
  let lang = "en";         // the variant being edited
  let fromGap = null;      // the gap a new entry is being written for

  const langName = (code) => `${code} · ${config.languages[code] || code}`;
  const lines = (text) => text.split("\n").map((s) => s.trim()).filter(Boolean);

  // --- tabs (ARIA tabs pattern: arrow keys move between tabs) ---------------------------------------------------

  const tabs = ["entries", "translations", "gaps"];
  function showTab(name, focus) {
    for (const other of tabs) {
      const tab = $("tab-" + other), on = other === name;
      tab.setAttribute("aria-selected", String(on));
      tab.tabIndex = on ? 0 : -1;
      $("panel-" + other).hidden = !on;
      if (on && focus) tab.focus();
    }
    if (name === "translations") loadTranslations();
    if (name === "gaps") loadGaps();
  }
  tabs.forEach((name, i) => {
    const tab = $("tab-" + name);
    tab.addEventListener("click", () => showTab(name));
    tab.addEventListener("keydown", (event) => {
      const step = { ArrowRight: 1, ArrowLeft: -1 }[event.key];
      if (step) { event.preventDefault(); showTab(tabs[(i + step + tabs.length) % tabs.length], true); }
    });
  });

  // --- the entry list -------------------------------------------------------------------------------------------

  async function loadEntries() {
    const q = $("q").value.trim();
    const result = await api("/v1/editor/entries" + (q ? "?q=" + encodeURIComponent(q) : ""));
    if (!result.ok) { fail(result); return; }
    $("entries").replaceChildren(...result.data.map((row) => el("li", {},
      el("button", { type: "button", class: "entry-row", "aria-current": entry && entry.id === row.id ? "true" : null,
        onclick: () => openEntry(row.id) },
        el("strong", {}, row.id),
        el("span", { class: "flags" },
          row.published_revision === null ? el("span", { class: "badge warn" }, "never published") :
            row.head_revision !== row.published_revision ? el("span", { class: "badge warn" }, "unpublished changes") : null,
          row.archived ? el("span", { class: "badge" }, "archived") : null,
          el("span", { class: "help" }, ` revision ${row.head_revision}`))))));
    $("entry-count").textContent = `${result.data.length} entr${result.data.length === 1 ? "y" : "ies"}${q ? ` matching “${q}”` : ""}`;
  }
  $("search").addEventListener("submit", (event) => { event.preventDefault(); loadEntries(); });

  // --- one entry ------------------------------------------------------------------------------------------------

  function statusOf(code) {
    const known = entry.variants.find((v) => v.lang === code);
    if (known) return known.status;
    return entry.draft.translations[code] ? "human" : "missing";
  }

  async function openEntry(id, wantLang, focus = true) {
    const result = await api(`/v1/editor/entries/${encodeURIComponent(id)}`);
    if (!result.ok) { fail(result); return; }
    entry = result.data;
    lang = wantLang || (entry.draft.translations[lang] ? lang : Object.keys(entry.draft.translations)[0]);
    showTab("entries");
    $("creator").hidden = true;
    $("entry-empty").hidden = true;
    $("entry").hidden = false;
    renderEntry();
    loadRevisions();
    loadEntries();
    if (focus) $("entry-title").focus();
  }

  // The state line and the review and publish buttons (also refreshed on their own, without touching the form).
  function renderState() {
    $("entry-state").replaceChildren(el("span", {},
      `Draft revision ${entry.head_revision} · published revision ${entry.published_revision ?? "none"} `,
      entry.has_unpublished_changes ? el("span", { class: "badge warn" }, "unpublished changes") :
        el("span", { class: "badge ok" }, "published is current"),
      entry.review_approved ? el("span", { class: "badge ok" }, "review approved") : null,
      entry.archived ? el("span", { class: "badge" }, "archived") : null));
    $("publish").disabled = !entry.has_unpublished_changes;
    // A second editor approves: the head revision's own author cannot (the server refuses it: self_review).
    const ownDraft = me && entry.head_author === `user:${me.id}`;
    $("review").disabled = !entry.has_unpublished_changes || entry.review_approved || ownDraft;
    $("review-help").textContent = ownDraft && entry.has_unpublished_changes && !entry.review_approved
      ? "You wrote this draft: another editor approves it." :
      entry.has_unpublished_changes && !entry.review_approved
        ? `Draft by ${entry.head_author_name || entry.head_author}: waiting for another editor's review.` : "";
  }

  function renderEntry() {
    $("entry-title").textContent = entry.id;
    renderState();
    $("langs").replaceChildren(...LANGS.map((code) => {
      const status = statusOf(code);
      return el("li", {}, el("button", { type: "button", class: "lang-btn", "aria-pressed": String(code === lang),
        "aria-label": `${code} ${status} · ${config.languages[code] || code}`, onclick: () => { lang = code; renderEntry(); $("v-answer").focus(); } },
        el("strong", {}, code), " ", el("span", { class: "st-" + status }, status)));
    }));
    const variant = entry.draft.translations[lang];
    const status = statusOf(lang);
    $("variant-title").textContent = `${langName(lang)} variant`;
    $("variant-status").replaceChildren("Translation status: ", el("strong", { class: "st-" + status }, status),
      ` — ${STATUS_HELP[status]}`);
    for (const id of ["v-question", "v-alternates", "v-answer"]) $(id).lang = lang;
    $("v-question").value = variant ? variant.question : "";
    $("v-alternates").value = variant ? variant.alternates.join("\n") : "";
    $("v-answer").value = variant ? variant.answer : "";
    $("v-accept").hidden = !(status === "machine" || status === "stale");
    $("v-delete").hidden = !variant || ORIGINALS.includes(lang);
    const published = entry.published && entry.published.translations[lang];
    $("v-published-box").hidden = !published;
    $("v-published").lang = lang;
    $("v-published").textContent = published ? [published.question, published.answer].filter(Boolean).join("\n\n") : "";
    const d = entry.draft;
    $("d-category").value = d.category;
    $("d-tags").value = (d.tags || []).join(", ");
    $("d-source-title").value = d.source.title;
    $("d-source-url").value = d.source.url;
    $("d-contact-agency").value = d.contact ? d.contact.agency : "";
    $("d-contact-phone").value = d.contact && d.contact.phone ? d.contact.phone : "";
    $("d-contact-url").value = d.contact && d.contact.url ? d.contact.url : "";
    $("d-updated").value = d.updated;
  }

  async function afterSave(result, what) {
    if (!result.ok) { fail(result); return; }
    say(`${what} saved as draft revision ${result.data.revision}. The service still answers from the published revision until you publish.`);
    await openEntry(entry.id, lang, false);
  }

  $("variant-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const body = { question: $("v-question").value.trim(), alternates: lines($("v-alternates").value),
      answer: $("v-answer").value.trim() };
    if (!body.answer) { fail("The answer is required."); $("v-answer").focus(); return; }
    const result = await api(`/v1/editor/entries/${entry.id}/translations/${lang}`, { method: "PUT", body });
    await afterSave(result, `The ${lang} variant`);
  });
  $("v-accept").addEventListener("click", async () => {
    const result = await api(`/v1/editor/entries/${entry.id}/translations/${lang}/accept`, { method: "POST" });
    if (!result.ok) { fail(result); return; }
    say(`The ${lang} translation is marked reviewed.`);
    await openEntry(entry.id, lang, false);
  });
  $("v-delete").addEventListener("click", async () => {
    const result = await api(`/v1/editor/entries/${entry.id}/translations/${lang}`, { method: "DELETE" });
    await afterSave(result, `Removing the ${lang} variant`);
  });
  $("details-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const data = JSON.parse(JSON.stringify(entry.draft));
    data.category = $("d-category").value.trim();
    data.tags = $("d-tags").value.split(",").map((s) => s.trim()).filter(Boolean);
    data.source = { title: $("d-source-title").value.trim(), url: $("d-source-url").value.trim() };
    const agency = $("d-contact-agency").value.trim();
    if (agency) {
      data.contact = { agency };
      if ($("d-contact-phone").value.trim()) data.contact.phone = $("d-contact-phone").value.trim();
      if ($("d-contact-url").value.trim()) data.contact.url = $("d-contact-url").value.trim();
    } else {
      delete data.contact;
    }
    data.updated = $("d-updated").value;
    const result = await api(`/v1/editor/entries/${entry.id}`, { method: "PUT",
      body: { entry: data, note: $("d-note").value.trim() } });
    $("d-note").value = "";
    await afterSave(result, "The details");
  });
  $("review").addEventListener("click", async () => {
    const result = await api(`/v1/editor/entries/${entry.id}/review`, { method: "POST" });
    if (!result.ok) { fail(result); return; }
    say(`You approved revision ${result.data.approved_revision}.`);
    await openEntry(entry.id, lang, false);
  });
  $("publish").addEventListener("click", async () => {
    $("publish").disabled = true;
    const result = await api(`/v1/editor/entries/${entry.id}/publish`, { method: "POST" });
    if (!result.ok) { fail(result); $("publish").disabled = false; return; }
    say(`Published ${entry.id}. The service answers with it now (new index ${result.data.build_id}, ` +
      `${result.data.embedded_texts} text(s) embedded, ${result.data.seconds} s).`);
    await openEntry(entry.id, lang, false);
  });

  // --- revisions ------------------------------------------------------------------------------------------------

  async function loadRevisions() {
    $("diff").hidden = true;
    const result = await api(`/v1/editor/entries/${entry.id}/revisions`);
    if (!result.ok) { fail(result); return; }
    const head = Math.max(...result.data.map((r) => r.number));
    $("revisions").replaceChildren(...result.data.slice().reverse().map((r) => el("tr", {},
      el("td", {}, String(r.number), r.published ? el("span", { class: "badge ok" }, " published") : null,
        r.number === head ? el("span", { class: "badge" }, " draft head") : null),
      el("td", {}, r.author_name || r.author), el("td", {}, time(r.created_at)), el("td", {}, r.note || ""),
      el("td", {}, el("div", { class: "buttons" },
        r.number > 1 ? el("button", { type: "button", class: "secondary small", "aria-label": `Diff: compare revision ${r.number} with ${r.number - 1}`,
          onclick: () => showDiff(r.number - 1, r.number) }, "Diff") : null,
        r.number !== head ? el("button", { type: "button", class: "secondary small", "aria-label": `Roll back to this: revision ${r.number}`,
          onclick: () => rollback(r.number) }, "Roll back to this") : null)))));
  }

  // "translations.vi.answer" → "vi · answer"; "contact.phone" → "contact · phone"
  function fieldLabel(path) {
    const parts = path.split(".");
    return (parts[0] === "translations" ? parts.slice(1) : parts).join(" · ");
  }

  async function showDiff(old, neu) {
    const result = await api(`/v1/editor/entries/${entry.id}/diff?old=${old}&new=${neu}`);
    if (!result.ok) { fail(result); return; }
    // Each changed field, word by word: removed words struck through in red, added ones underlined in green,
    // in the page's own font (wrapping, diacritics intact); screen readers hear "removed:" / "added:".
    const fields = result.data.fields.map((f) => el("div", { class: "field-diff" },
      el("h4", {}, fieldLabel(f.path), f.change === "changed" ? "" : ` (${f.change})`),
      el("p", { class: "worddiff", lang: f.path.startsWith("translations.") ? f.path.split(".")[1] : null },
        ...f.parts.map((part) => part.op === "same" ? part.text
          : el(part.op === "added" ? "ins" : "del", {},
            el("span", { class: "sr-only" }, part.op === "added" ? "added: " : "removed: "), part.text)))));
    $("diff").replaceChildren(el("h4", { class: "sr-only" }, `Revision ${old} → ${neu}`),
      ...(fields.length ? fields : [el("p", {}, "No difference.")]));
    $("diff").hidden = false;
    $("diff").focus();
  }

  async function rollback(number) {
    const result = await api(`/v1/editor/entries/${entry.id}/rollback/${number}`, { method: "POST" });
    if (!result.ok) { fail(result); return; }
    say(`Rolled back: draft revision ${result.data.revision} has revision ${number}'s content. Publish it to make it live.`);
    await openEntry(entry.id, lang, false);
  }

  // --- new entries (from scratch or from a gap) -------------------------------------------------------------------

  function openCreator(gap) {
    fromGap = gap || null;
    showTab("entries");
    $("entry").hidden = true;
    $("entry-empty").hidden = true;
    $("creator").hidden = false;
    $("create-form").reset();
    const info = $("creator-gap");
    info.hidden = !gap;
    if (gap) {
      const top = Object.entries(gap.languages).sort((a, b) => b[1] - a[1])[0][0];
      $("c-lang").value = top;
      $("c-question").value = gap.examples[0] || "";
      $("c-alternates").value = gap.examples.slice(1).join("\n");
      $("c-note").value = `written for content gap ${gap.gap_id} (${gap.count} question${gap.count === 1 ? "" : "s"})`;
      info.textContent = `From a content gap of ${gap.count} question(s) in ${Object.keys(gap.languages).join(", ")}. ` +
        "The examples are filled in as the question; write the answer, then add the other languages.";
    } else {
      $("c-lang").value = "en";
    }
    $("creator-title").focus();
  }

  $("new-entry").addEventListener("click", () => openCreator(null));
  $("c-cancel").addEventListener("click", () => {
    $("creator").hidden = true;
    if (entry) $("entry").hidden = false; else $("entry-empty").hidden = false;
  });
  $("create-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const id = $("c-id").value.trim(), code = $("c-lang").value;
    const data = {
      id, category: $("c-category").value.trim(), tags: [],
      source: { title: $("c-source-title").value.trim(), url: $("c-source-url").value.trim() },
      updated: new Date().toISOString().slice(0, 10),
      translations: { [code]: { question: $("c-question").value.trim(), alternates: lines($("c-alternates").value),
        answer: $("c-answer").value.trim() } },
    };
    const result = await api("/v1/editor/entries", { method: "POST", body: { entry: data, note: $("c-note").value.trim() } });
    if (!result.ok) { fail(result); return; }
    let message = `Created ${id} as draft revision ${result.data.revision}.`;
    if (fromGap) {
      const resolved = await api(`/v1/editor/gaps/${fromGap.gap_id}/resolve`, { method: "POST", body: { entry_id: id } });
      if (resolved.ok) message += ` ${resolved.data.questions_resolved} question(s) of the gap now count towards it.`;
      else fail(resolved);
    }
    fromGap = null;
    await openEntry(id, code);
    say(message + " Add the other languages, then publish.");
  });

  // --- translations report -------------------------------------------------------------------------------------------

  async function loadTranslations() {
    const code = $("t-lang").value;
    const result = await api(`/v1/editor/translations/${code}`);
    if (!result.ok) { fail(result); return; }
    const r = result.data;
    $("t-summary").textContent = `${langName(code)}: ${r.stale.length} stale, ${r.machine.length} machine-made, ${r.missing.length} missing.`;
    for (const kind of ["stale", "machine", "missing"]) {
      const items = r[kind].map((id) => el("li", {}, el("button", { type: "button", class: "secondary small",
        onclick: () => openEntry(id, code) }, id)));
      $("t-" + kind).replaceChildren(...(items.length ? items : [el("li", { class: "muted" }, "none")]));
    }
  }
  $("t-lang").addEventListener("change", loadTranslations);

  // --- content gaps ------------------------------------------------------------------------------------------------------

  async function loadGaps() {
    const result = await api("/v1/editor/gaps");
    if (!result.ok) { fail(result); return; }
    $("gap-summary").textContent = `${result.data.length} open group${result.data.length === 1 ? "" : "s"}, ` +
      `${result.data.reduce((n, g) => n + g.count, 0)} question(s).`;
    $("gaps").replaceChildren(...result.data.map((g) => {
      const inputId = `gap-entry-${g.gap_id}`;
      return el("li", { class: "gap" },
        el("h3", {}, `${g.count} question${g.count === 1 ? "" : "s"} · ` +
          Object.entries(g.languages).map(([code, n]) => `${code} ${n}`).join(", ")),
        el("p", { class: "help" }, Object.entries(g.outcomes).map(([o, n]) => `${o.replaceAll("_", " ")} ${n}`).join(", ") +
          ` · first ${time(g.first_seen)} · last ${time(g.last_seen)}`),
        // one language in the group: its examples are in it (the report does not say per example)
        el("ul", { lang: Object.keys(g.languages).length === 1 ? Object.keys(g.languages)[0] : null },
          ...g.examples.map((text) => el("li", {}, text))),
        g.nearest_entries.length ? el("p", {}, "Nearest entries: ", ...g.nearest_entries.map((id) =>
          el("button", { type: "button", class: "secondary small", onclick: () => openEntry(id) }, id))) : null,
        el("div", { class: "buttons" },
          el("button", { type: "button", onclick: () => openCreator(g) }, "Start a new entry from this gap")),
        el("form", { class: "inline-form", "aria-label": `Mark gap ${g.gap_id} answered` },
          el("label", { for: inputId }, "Answered by entry"), el("input", { id: inputId, spellcheck: "false" }),
          el("button", { type: "submit", class: "secondary small" }, "Mark answered")));
    }));
    for (const form of $("gaps").querySelectorAll("form")) {
      form.addEventListener("submit", async (event) => {
        event.preventDefault();
        const input = form.querySelector("input");
        const gapId = input.id.replace("gap-entry-", "");
        const result = await api(`/v1/editor/gaps/${gapId}/resolve`, { method: "POST", body: { entry_id: input.value.trim() } });
        if (!result.ok) { fail(result); return; }
        say(`${result.data.questions_resolved} question(s) marked answered by ${result.data.entry_id}.`);
        loadGaps();
      });
    }
  }

  // The open entry's review and publish state follows other editors' actions without a reload.
  async function refreshState() {
    if (!entry || document.hidden) return;
    const result = await api(`/v1/editor/entries/${entry.id}`);
    if (!result.ok) return;
    if (result.data.id !== entry.id) return;
    if (result.data.head_revision !== entry.head_revision) {  // someone saved: say so, keep what is typed here
      say(`Revision ${result.data.head_revision} was saved by ${result.data.head_author_name || result.data.head_author}; ` +
        "open the entry again to see it.");
      return;
    }
    const changed = ["published_revision", "review_approved"].some((k) => result.data[k] !== entry[k]);
    if (changed) {
      const approvedNow = result.data.review_approved && !entry.review_approved;
      for (const k of ["published_revision", "review_approved", "has_unpublished_changes", "published"]) {
        entry[k] = result.data[k];
      }
      renderState();
      loadRevisions();
      if (approvedNow) say(`Revision ${entry.head_revision} was approved by another editor.`);
    }
  }

  signIn(["editor", "admin"], (user) => {
    me = user;
    setInterval(refreshState, STATE_SECONDS * 1000);
    $("t-lang").value = "zh";
    loadEntries();
    if (window.location.hash === "#gaps") showTab("gaps");  // the reports page links here
    document.body.dataset.ready = "true";
  });
})();
