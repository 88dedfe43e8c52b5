// The counselor console: the queue with filters, claim next, and one ticket at a time with its conversation
// (original and translation side by side), replies, internal notes, knowledge-base answers and status changes.
// The open ticket's new messages arrive by long-poll (GET /v1/tickets/{id}/messages?wait=); the queue is
// re-read every QUEUE_SECONDS while the tab is visible (a new ticket shows within 2 s) and every
// HIDDEN_QUEUE_SECONDS while it is not, so the title, the sound and the desktop notification still come.
"use strict";
(function () {
  const { $, el, api, say, fail, time, signIn } = window.Staff;
  const config = JSON.parse($("config").textContent);
  const QUEUE_SECONDS = 1.5;
  const HIDDEN_QUEUE_SECONDS = 10;
  const NOTIFY_KEY = "migrant-desk.console.notify";
  const POLL_SECONDS = 25;
  const AUTHORS = { migrant: "Migrant", bot: "Bot", counselor: "Counselor", system: "System" };

  let me = null;
  let current = null;          // the open ticket (CounselorTicketOut without messages)
  let lastMessageId = 0;
  let shown = new Set();
  let pollAbort = null;
  let lastQueue = null;        // the queue as last drawn (JSON): redrawn only when it changed, so focus stays
  let knownTickets = null;     // ticket ids seen in the queue; null until the first load (no alert for those)
  let unread = 0;              // migrants' messages that came while the tab was hidden
  let pairs = null;            // "source>target" language pairs a model can translate; null: not known

  const sleep = (ms) => new Promise((done) => setTimeout(done, ms));
  const langName = (code) => `${code} · ${config.languages[code] || code}`;
  const TITLE = document.title;

  // --- the queue --------------------------------------------------------------------------------------------

  function queueQuery() {
    const params = new URLSearchParams();
    for (const status of $("f-status").value.split(",").filter(Boolean)) params.append("status", status);
    if ($("f-lang").value) params.set("lang", $("f-lang").value);
    if ($("f-team").value.trim()) params.set("team", $("f-team").value.trim());
    if ($("f-overdue").checked) params.set("overdue", "true");
    if ($("f-mine").checked) params.set("assigned_to", "me");
    return params.toString();
  }

  async function loadQueue() {
    const query = queueQuery();
    const result = await api("/v1/tickets?" + query);
    if (!result.ok) { fail(result); return; }
    alertNewTickets(result.data);
    const drawn = JSON.stringify([query, current && current.id, result.data]);
    if (drawn === lastQueue) return;
    lastQueue = drawn;
    const list = $("tickets");
    const focused = document.activeElement && list.contains(document.activeElement)
      ? document.activeElement.dataset.ticket : null;
    list.replaceChildren(...result.data.map(ticketRow));
    if (focused) { const again = list.querySelector(`[data-ticket="${focused}"]`); if (again) again.focus(); }
    $("queue-count").textContent = `${result.data.length} ticket${result.data.length === 1 ? "" : "s"}`;
    showCounts(result.data.filter((t) => t.status === "new").length);
    const teams = new Set(me.teams);
    result.data.forEach((t) => t.team && teams.add(t.team));
    $("teams").replaceChildren(...[...teams].sort().map((team) => el("option", { value: team })));
  }

  function ticketRow(t) {
    const flags = [
      t.overdue ? el("span", { class: "badge warn" }, "overdue") : null,
      t.language_covered ? null : el("span", { class: "badge warn" }, "no counselor speaks this language"),
      t.sla_paused ? el("span", { class: "badge" }, "waiting") : null,
    ];
    const button = el("button", { type: "button", class: "ticket-row", "data-ticket": t.id,
      "aria-current": current && current.id === t.id ? "true" : null,
      onclick: () => openTicket(t.id) },
      el("strong", {}, `#${t.id}`), ` ${langName(t.lang)} · ${t.status.replaceAll("_", " ")} · ${t.priority}`,
      t.team ? ` · team ${t.team}` : "", t.assigned_to ? ` · ${t.assigned_to}` : "", " ", ...flags,
      el("span", { class: "when" }, `created ${time(t.created_at)}`));
    return el("li", {}, button);
  }

  // Waiting tickets and unread messages in the tab's title: seen from another tab or window.
  let waitingCount = 0;
  function showCounts(waiting) {
    if (waiting !== undefined) waitingCount = waiting;
    document.title = (waitingCount ? `(${waitingCount}) ` : "") + (unread ? `${unread} unread · ` : "") + TITLE;
  }

  // A ticket not seen before, new and in one of my languages: a sound and a desktop notification if the
  // counselor turned them on, and a sentence in the live region either way.
  function alertNewTickets(tickets) {
    const fresh = tickets.filter((t) => knownTickets && !knownTickets.has(t.id) && t.status === "new" &&
      (!me.languages.length || me.languages.includes(t.lang)));
    knownTickets = new Set([...(knownTickets || []), ...tickets.map((t) => t.id)]);
    if (!fresh.length) return;
    const text = fresh.length === 1 ? `New ticket #${fresh[0].id} (${langName(fresh[0].lang)}).`
      : `${fresh.length} new tickets: ${fresh.map((t) => "#" + t.id).join(", ")}.`;
    say(text);
    if (!$("notify").checked) return;
    beep();
    if ("Notification" in window && Notification.permission === "granted") {
      try { new Notification("migrant-desk: " + text, { tag: "migrant-desk-queue" }); } catch (e) { /* e.g. Android: needs a service worker */ }
    }
  }

  let audio = null;
  function beep() {
    try {
      audio = audio || new AudioContext();
      const tone = audio.createOscillator();
      const gain = audio.createGain();
      tone.frequency.value = 880;
      gain.gain.setValueAtTime(0.15, audio.currentTime);
      gain.gain.exponentialRampToValueAtTime(0.001, audio.currentTime + 0.4);
      tone.connect(gain).connect(audio.destination);
      tone.start();
      tone.stop(audio.currentTime + 0.4);
      document.body.dataset.beeps = String(Number(document.body.dataset.beeps || 0) + 1);
    } catch (e) { /* no audio device: the live region and the notification still say it */ }
  }

  $("notify").addEventListener("change", async () => {
    const on = $("notify").checked;
    try { localStorage.setItem(NOTIFY_KEY, on ? "1" : "0"); } catch (e) { /* private mode */ }
    if (on && "Notification" in window && Notification.permission === "default") {
      await Notification.requestPermission();
    }
  });

  for (const id of ["f-status", "f-lang", "f-overdue", "f-mine"]) $(id).addEventListener("change", loadQueue);
  $("f-team").addEventListener("change", loadQueue);
  $("filters").addEventListener("submit", (event) => { event.preventDefault(); loadQueue(); });

  $("claim").addEventListener("click", async () => {
    const result = await api("/v1/tickets/claim-next", { method: "POST" });
    if (result.status === 204) { say("The queue has nothing for you right now."); return; }
    if (!result.ok) { fail(result); return; }
    say(`You claimed ticket #${result.data.id}.`);
    await showTicket(result.data, true);
    loadQueue();
  });

  // --- one ticket ---------------------------------------------------------------------------------------------

  async function openTicket(id) {
    const result = await api(`/v1/tickets/${id}`);
    if (!result.ok) { fail(result); return; }
    await showTicket(result.data, true);
    loadQueue();
  }

  function metaRow(term, ...value) {
    return [el("dt", {}, term), el("dd", {}, ...value)];
  }

  function renderMeta(t) {
    current = t;
    $("ticket-title").textContent = `Ticket #${t.id} · ${langName(t.lang)}`;
    const contact = t.contact ? [t.contact.name, t.contact.phone, t.contact.email].filter(Boolean).join(", ") +
      ` (prefers ${t.contact.preferred})` : "—";
    $("ticket-meta").replaceChildren(
      ...metaRow("Status", t.status.replaceAll("_", " "), t.sla_paused ? " (SLA paused)" : ""),
      ...metaRow("Language", langName(t.lang), t.language_covered ? "" : " — no active counselor speaks it"),
      ...metaRow("Priority", t.priority),
      ...metaRow("Team", t.team || "—"),
      ...metaRow("Category", t.category || "—"),
      ...metaRow("Assigned to", t.assigned_to || "nobody"),
      ...metaRow("Created", time(t.created_at)),
      ...metaRow("First response due", time(t.first_response_due), t.first_response_at ? ` (answered ${time(t.first_response_at)})` : ""),
      ...metaRow("Resolution due", time(t.resolution_due)),
      ...metaRow("Overdue", t.overdue ? el("strong", { class: "warn-text" }, "yes") : "no"),
      ...metaRow("Contact", contact),
    );
    // Only what the server will accept from here (next_statuses); a queued ticket is claimed first.
    const status = $("t-status");
    status.replaceChildren(...(t.next_statuses || []).map((s) => el("option", { value: s }, s.replaceAll("_", " "))));
    const mine = me && t.assigned_to === me.name;
    const queued = t.status === "new";
    $("t-claim-row").hidden = !queued;
    $("t-held").hidden = queued || mine || t.status === "closed";
    $("t-held").textContent = t.assigned_to && !mine ? `${t.assigned_to} holds this ticket; only they can work on it.` : "";
    // The forms work only for the holder: disabled (not hidden) so the page says why.
    for (const form of ["ticket-actions", "reply", "note", "kb-form"]) {
      for (const field of $(form).elements) field.disabled = !mine;
    }
    $("t-status-apply").disabled = !mine || !status.options.length;
    replyHelp();
  }

  // What the migrant will see of the reply, said before it is sent: the reply's language and the ticket's
  // decide whether a model here can translate it (GET /v1/translate/pairs).
  let warnedFor = null;  // the text and language a "no translation" warning was shown for: a second Send sends
  function untranslatable() {
    const from = $("reply-lang").value;
    if (!current || from === current.lang) return false;
    return !(pairs && pairs.has(`${from}>${current.lang}`));
  }
  function replyHelp() {
    const help = $("reply-help");
    if (!current) return;
    const to = langName(current.lang);
    help.classList.toggle("warn-text", untranslatable());
    help.textContent = $("reply-lang").value === current.lang
      ? `Same language as the migrant (${to}): sent as written. Ctrl+Enter sends.`
      : untranslatable()
        ? `No model here translates ${langName($("reply-lang").value)} into ${to}: the migrant will see your words ` +
          `as written, with a notice. Write in ${to} if you can. Ctrl+Enter sends.`
        : `The migrant sees a machine translation into ${to}, with your original a tap away. Ctrl+Enter sends.`;
  }
  $("reply-lang").addEventListener("change", () => { warnedFor = null; replyHelp(); });

  function translationCell(m) {
    const tr = m.translation;
    if (!tr) return el("td", { class: "muted" }, "—");
    if (tr.status === "not_needed") return el("td", { class: "muted" }, "same language");
    if (tr.status === "unavailable") {
      return el("td", { class: "muted" }, `no translation into ${tr.lang}${tr.reason ? ": " + tr.reason : ""}`);
    }
    const score = tr.score === null || tr.score === undefined ? "" : ` · score ${tr.score.toFixed(2)}`;
    return el("td", { class: tr.status === "rejected" ? "rejected" : null },
      tr.text ? el("div", { lang: tr.lang, class: "text" }, tr.text) : null,
      el("span", { class: "tag" }, `${tr.status === "rejected" ? "rejected by the gate" : "machine"} · ${tr.lang}${score}`));
  }

  function addMessageRow(m) {
    if (shown.has(m.id)) return;
    shown.add(m.id);
    lastMessageId = Math.max(lastMessageId, m.id);
    // Turns before the handoff were sent by the chat page, not recorded by the server: say so for the bot's.
    const who = m.internal ? `Note · ${m.author_name || ""}`
      : m.origin === "transcript" && m.author === "bot" ? "Bot (as sent by the chat page)"
      : (m.author === "counselor" && m.author_name) || AUTHORS[m.author] || m.author;
    const row = el("tr", { class: `msg ${m.author}${m.internal ? " internal" : ""}` },
      el("th", { scope: "row" }, who, el("span", { class: "when" }, time(m.created_at)),
        m.origin === "transcript" ? el("span", { class: "tag" }, "before handoff") : null,
        m.kb_entry_id ? el("span", { class: "tag" }, `KB ${m.kb_entry_id}`) : null),
      el("td", {}, el("div", { lang: m.lang, class: "text" }, m.text), el("span", { class: "tag" }, m.lang)),
      translationCell(m));
    $("messages").append(row);
  }

  async function loadSuggestions() {
    const result = await api(`/v1/tickets/${current.id}/kb-suggestions`);
    if (!result.ok) return;
    const items = result.data.map((s) => el("li", {}, el("span", { lang: s.question_lang }, s.question), " ",
      el("code", {}, s.entry_id), " ",
      el("button", { type: "button", class: "secondary small", "aria-label": `Insert answer ${s.entry_id}`,
        onclick: () => insertAnswer(s.entry_id) }, "Insert")));
    $("suggestions").replaceChildren(...(items.length ? items : [el("li", { class: "muted" }, "No suggestions yet.")]));
  }

  async function showTicket(t, fresh) {
    if (fresh) {
      if (pollAbort) pollAbort.abort();
      shown = new Set();
      lastMessageId = 0;
      $("messages").replaceChildren();
      $("suggestions").replaceChildren();
    }
    $("ticket-empty").hidden = true;
    $("ticket-body").hidden = false;
    renderMeta(t);
    (t.messages || []).forEach(addMessageRow);
    if (fresh) {
      $("ticket-title").focus();
      loadSuggestions();
      poll();
    }
  }

  async function poll() {
    const abort = new AbortController();
    pollAbort = abort;
    const id = current.id;
    while (!abort.signal.aborted && current && current.id === id) {
      const result = await api(`/v1/tickets/${id}/messages?after=${lastMessageId}&wait=${POLL_SECONDS}`,
        { signal: abort.signal });
      if (result.aborted || abort.signal.aborted) return;
      if (!result.ok) { await sleep(3000); continue; }
      const fromMigrant = result.data.messages.some((m) => m.author === "migrant");
      result.data.messages.forEach(addMessageRow);
      lastMessageId = Math.max(lastMessageId, result.data.last_id);
      if (result.data.status !== current.status || result.data.messages.length) {
        const fresh = await api(`/v1/tickets/${id}`);
        if (fresh.ok && current && current.id === id) renderMeta(fresh.data);
      }
      if (fromMigrant) {
        say(`New message from the migrant on ticket #${id}.`);
        if (document.hidden) { unread += result.data.messages.filter((m) => m.author === "migrant").length; showCounts(); }
        loadSuggestions();
        loadQueue();
      }
    }
  }

  // --- actions on the open ticket ------------------------------------------------------------------------------

  async function act(path, body, done) {
    const result = await api(`/v1/tickets/${current.id}${path}`, { method: "POST", body });
    if (!result.ok) { fail(result); return false; }
    await showTicket(result.data, false);
    if (done) say(done);
    loadQueue();
    return true;
  }

  async function insertAnswer(entryId) {
    if (!entryId) { fail("Type an entry id, or pick a suggestion."); return; }
    if (await act("/kb-answer", { entry_id: entryId }, `Sent the answer ${entryId}.`)) $("kb-entry").value = "";
  }

  $("reply").addEventListener("submit", async (event) => {
    event.preventDefault();
    const text = $("reply-text").value.trim();
    if (!text) { fail("Write a reply first."); $("reply-text").focus(); return; }
    const key = `${$("reply-lang").value}\n${text}`;
    if (untranslatable() && warnedFor !== key) {
      warnedFor = key;
      fail(`No model can translate this reply into ${langName(current.lang)}: the migrant would read it as ` +
        "written. Send again to send it anyway, or rewrite it in the migrant's language.");
      return;
    }
    warnedFor = null;
    if (await act("/messages", { text, lang: $("reply-lang").value }, "Reply sent.")) $("reply-text").value = "";
  });
  // Ctrl+Enter (or Cmd+Enter) sends the reply or the note being written.
  for (const [box, form] of [["reply-text", "reply"], ["note-text", "note"]]) {
    $(box).addEventListener("keydown", (event) => {
      if (event.key === "Enter" && (event.ctrlKey || event.metaKey) && !event.isComposing) {
        event.preventDefault();
        $(form).requestSubmit();
      }
    });
  }
  $("note").addEventListener("submit", async (event) => {
    event.preventDefault();
    const text = $("note-text").value.trim();
    if (!text) { fail("Write a note first."); $("note-text").focus(); return; }
    if (await act("/notes", { text }, "Note added.")) $("note-text").value = "";
  });
  $("kb-form").addEventListener("submit", (event) => { event.preventDefault(); insertAnswer($("kb-entry").value.trim()); });
  $("ticket-actions").addEventListener("submit", (event) => {
    event.preventDefault();
    const status = $("t-status").value;
    act("/status", { status }, `Status changed to ${status.replaceAll("_", " ")}.`);
  });
  $("t-release").addEventListener("click", () => act("/release", undefined, "Released to the queue."));
  $("t-claim").addEventListener("click", async () => {
    if (await act("/claim", undefined, `You claimed ticket #${current.id}.`)) $("reply-text").focus();
  });

  // Alt+Shift+N claim next, Alt+Shift+Q the queue, Alt+Shift+R the reply box, ? the list (outside text boxes).
  document.addEventListener("keydown", (event) => {
    const typing = event.target.closest && event.target.closest("input, textarea, select");
    if (event.altKey && event.shiftKey && !event.ctrlKey) {
      const target = { KeyN: "claim", KeyQ: "queue", KeyR: "reply" }[event.code];
      if (!target) return;
      event.preventDefault();
      if (target === "claim") $("claim").click();
      else if (target === "queue") ($("tickets").querySelector("button") || $("f-status")).focus();
      else if (!$("reply-text").disabled && !$("ticket-body").hidden) $("reply-text").focus();
    } else if (event.key === "?" && !typing) {
      event.preventDefault();
      $("shortcuts").open = !$("shortcuts").open;
      if ($("shortcuts").open) $("shortcuts").querySelector("summary").focus();
    }
  });
  document.addEventListener("visibilitychange", () => { if (!document.hidden) { unread = 0; showCounts(); } });

  signIn(["counselor", "admin"], async (user) => {
    me = user;
    if (user.languages.length) $("reply-lang").value = user.languages[0];
    try { $("notify").checked = localStorage.getItem(NOTIFY_KEY) === "1"; } catch (e) { /* private mode */ }
    const found = await api("/v1/translate/pairs");  // 503 when no translation is set up: nothing translates
    pairs = new Set(found.ok ? found.data.map((p) => `${p.source_lang}>${p.target_lang}`) : []);
    await loadQueue();
    let hiddenFor = 0;
    setInterval(() => {
      hiddenFor = document.hidden ? hiddenFor + QUEUE_SECONDS : 0;
      if (!document.hidden || hiddenFor >= HIDDEN_QUEUE_SECONDS) { hiddenFor = 0; loadQueue(); }
    }, QUEUE_SECONDS * 1000);
    document.body.dataset.ready = "true";
  });
})();
