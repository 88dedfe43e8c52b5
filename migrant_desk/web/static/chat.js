// The migrants' chat page. Talks only to the public API: POST /v1/ask, POST /v1/handoff, and the ticket's
// messages with the migrant's own token (long-poll). Every fixed string comes from `strings` (the localized
// catalogue, fetched again from /web/strings/{lang} when the language changes). Text from the server is put in
// the page with textContent only, never as HTML.
"use strict";
(function () {
  const config = JSON.parse(document.getElementById("config").textContent);
  const STATE_KEY = "migrant-desk.chat";
  const LANG_KEY = "migrant-desk.lang";
  // This tab's conversation as shown (questions, answers with their links and alternatives, notices), put back
  // after a reload. sessionStorage: it survives a reload but not the tab, so a shared phone keeps nothing.
  const TURNS_KEY = "migrant-desk.turns";
  const MAX_SAVED_TURNS = 200;
  // Phone numbers become tel: links: service numbers the knowledge base uses (config.phones) and any number in a
  // full Korean phone format (02-123-4567, 1588-0075, 010-1234-5678).
  // (contacts.py PHONE_IN_TEXT, the same pattern: not part of a longer number such as "100,000 won").
  const PHONE = /(?<![\d\-])(?<!\d[.,\u00a0\u202f])(?:0\d{1,2}-\d{3,4}-\d{4}|1\d{3}-\d{4}|1\d{2,3})(?![\d\-]|[.,\u00a0\u202f]\d)/g;
  const KNOWN_PHONES = new Set(config.phones || []);
  const MAX_TURNS = 50;          // HandoffIn.transcript
  const MAX_TURN_CHARS = 4000;   // TranscriptTurn.text
  const POLL_SECONDS = 25;       // long-poll wait; the server caps it

  const $ = (id) => document.getElementById(id);
  const ui = {
    log: $("log"), form: $("ask"), q: $("q"), qLabel: $("q-label"), send: $("send"), status: $("status"),
    error: $("error"), lang: $("lang"), counselor: $("counselor"), handoff: $("handoff"), consent: $("consent"),
    consentError: $("consent-error"), handoffSend: $("handoff-send"), handoffCancel: $("handoff-cancel"),
    restart: $("restart"),
  };

  let strings = config.strings;
  let uiLang = config.lang;
  let chosen = config.chosen;      // a language the migrant picked, or null: detect it from what they write
  let state = readState();         // {conversation, handoffKey, ticket, token}
  const transcript = [];           // what the bot and the migrant said, carried into the handoff
  const shownMessages = new Set(); // ticket message ids already on the page
  let lastMessageId = 0;
  let lastStatus = null;
  let lastStatusMessage = null;
  let polling = false;
  let busy = false;
  let turns = [];                  // what is on the page, in order, for a reload (TURNS_KEY)

  // --- small helpers ---------------------------------------------------------------------------------------

  function randomId() {
    const bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);  // available on plain http too, unlike crypto.randomUUID
    return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  }

  function t(key, values) {
    let text = strings[key] || key;
    for (const [name, value] of Object.entries(values || {})) text = text.split("{" + name + "}").join(value);
    return text;
  }

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (name === "class") node.className = value;
      else if (name === "onclick") node.addEventListener("click", value);
      else node.setAttribute(name, value === true ? "" : value);
    }
    for (const child of children) if (child !== null && child !== undefined) node.append(child);
    return node;
  }

  function readState() {
    try {
      const saved = JSON.parse(localStorage.getItem(STATE_KEY) || "null");
      if (saved && saved.conversation) return saved;
    } catch (e) { /* storage off or corrupt: start fresh */ }
    return { conversation: randomId(), handoffKey: null, ticket: null, token: null };
  }

  function saveState() {
    try { localStorage.setItem(STATE_KEY, JSON.stringify(state)); } catch (e) { /* private mode */ }
  }

  // A language named in the page's language and script (the server names them: "អង់គ្លេស" on a Khmer page).
  function languageName(code) {
    if (strings["lang_name." + code]) return strings["lang_name." + code];
    const option = ui.lang.querySelector(`option[value="${code}"]`);
    return option ? option.textContent : code;
  }

  async function api(path, options) {
    const { method = "GET", body, token, headers = {} } = options || {};
    const all = { Accept: "application/json", ...headers };
    if (body !== undefined) all["Content-Type"] = "application/json";
    if (token) all.Authorization = "Bearer " + token;
    return fetch(path, { method, headers: all, body: body === undefined ? undefined : JSON.stringify(body) });
  }

  function errorText(code) {
    if (code === "empty_text") return t("error_empty_text");
    if (code === "text_too_long") return t("error_text_too_long", { limit: String(config.max_chars) });
    if (code === "unknown_language") return t("error_unknown_language");
    return t("error_server");
  }

  function showError(text) { ui.error.replaceChildren(...linked(text || "")); }

  // --- language -------------------------------------------------------------------------------------------

  function applyStrings() {
    document.documentElement.lang = uiLang;
    document.title = t("chat_title");
    ui.q.dataset.msgPlaceholder = ui.qLabel.dataset.msg = state.ticket ? "write_to_counselor" : "ask_placeholder";
    for (const node of document.querySelectorAll("[data-msg]")) node.replaceChildren(...linked(t(node.dataset.msg)));
    for (const node of document.querySelectorAll("[data-msg-placeholder]")) {
      node.placeholder = t(node.dataset.msgPlaceholder);
    }
    for (const node of document.querySelectorAll("[data-msg-aria-label]")) {
      node.setAttribute("aria-label", t(node.dataset.msgAriaLabel));
    }
  }

  async function switchLanguage(lang) {
    if (!lang || lang === uiLang) return;
    try {
      const r = await fetch(`/web/strings/${encodeURIComponent(lang)}`);
      if (!r.ok) return;
      strings = await r.json();
      uiLang = lang;
      applyStrings();
    } catch (e) { /* keep the current language */ }
  }

  ui.lang.addEventListener("change", async () => {
    chosen = ui.lang.value || null;
    try {
      if (chosen) localStorage.setItem(LANG_KEY, chosen); else localStorage.removeItem(LANG_KEY);
    } catch (e) { /* private mode */ }
    if (chosen) await switchLanguage(chosen);
  });

  // --- the conversation -------------------------------------------------------------------------------------

  // Nothing hidden under the docked question box (WCAG 2.4.11): its height is the page's bottom scroll padding,
  // so scrollIntoView stops above it; a focused element behind it is scrolled up into view.
  const dock = document.querySelector(".dock");
  function dockHeight() { return dock.getBoundingClientRect().height; }
  new ResizeObserver(() => {
    document.documentElement.style.setProperty("--dock-height", Math.ceil(dockHeight()) + "px");
  }).observe(dock);
  document.addEventListener("focusin", (event) => {
    const target = event.target;
    if (!(target instanceof Element) || dock.contains(target)) return;
    const box = target.getBoundingClientRect();
    const limit = window.innerHeight - dockHeight() - 8;
    if (box.bottom > limit) window.scrollBy(0, box.bottom - limit);
  });

  function addMessage(kind, label, lang, ...content) {
    const body = el("div", { class: "body", lang: lang || null }, ...content);
    const item = el("li", { class: "msg " + kind }, el("span", { class: "who" }, label), body);
    ui.log.append(item);
    // all of it above the box when it fits, else its start: a long answer is read from the top
    const fits = item.getBoundingClientRect().height <= window.innerHeight - dockHeight() - 16;
    item.scrollIntoView({ block: fits ? "nearest" : "start" });
    return item;
  }

  // Text with its phone numbers as tel: links (built as nodes, never as HTML).
  function linked(text) {
    const nodes = [];
    let at = 0;
    for (const match of String(text).matchAll(PHONE)) {
      const number = match[0];
      if (!number.includes("-") && !KNOWN_PHONES.has(number)) continue;  // "180 days" is not a phone number
      if (match.index > at) nodes.push(text.slice(at, match.index));
      nodes.push(el("a", { href: "tel:" + number.replaceAll("-", ""), class: "tel" }, number));
      at = match.index + number.length;
    }
    if (at < text.length) nodes.push(text.slice(at));
    return nodes;
  }

  function textBlock(text, cls) {
    return el("p", { class: cls || null }, ...linked(text || ""));
  }

  function readTurns() {
    try {
      const saved = JSON.parse(sessionStorage.getItem(TURNS_KEY) || "null");
      if (saved && saved.conversation === state.conversation && Array.isArray(saved.turns)) return saved;
    } catch (e) { /* storage off or corrupt: nothing to restore */ }
    return null;
  }

  function saveTurns() {
    try {
      sessionStorage.setItem(TURNS_KEY, JSON.stringify({ conversation: state.conversation, lang: uiLang,
        chosen, turns, transcript }));
    } catch (e) { /* storage full or off: a reload starts empty */ }
  }

  function record(turn) {
    turns.push(turn);
    if (turns.length > MAX_SAVED_TURNS) turns.splice(0, turns.length - MAX_SAVED_TURNS);
    saveTurns();
  }

  function replay(turn) {
    if (turn.type === "me") addMessage("me", t("you_said"), turn.lang, textBlock(turn.text));
    else if (turn.type === "answer") renderAnswer(turn.result);
    else if (turn.type === "system") addMessage("system", t("desk_said"), turn.lang, textBlock(turn.text));
  }

  // A machine translation with its original one tap away: a button (aria-expanded) that shows or hides it.
  function originalToggle(notice, originalLang, ...originalParts) {
    const id = "orig-" + randomId().slice(0, 8);
    const original = el("blockquote", { class: "original", id, lang: originalLang || null, hidden: true },
      el("p", { class: "original-lang", lang: originalLang || null }, languageName(originalLang)),
      ...originalParts.filter(Boolean).map((part) => textBlock(part)));
    const button = el("button", { type: "button", class: "linkish mt", "aria-expanded": "false",
      "aria-controls": id }, notice);
    button.addEventListener("click", () => {
      const open = original.hidden;
      original.hidden = !open;
      button.setAttribute("aria-expanded", String(open));
      button.textContent = open ? t("hide_original") : notice;
    });
    return el("div", { class: "translated" }, button, original);
  }

  function counselorButton() {
    return el("button", { type: "button", class: "to-counselor", onclick: openHandoff }, t("talk_to_counselor"));
  }

  // Medium confidence: the answer is framed as a guess with yes/no; "no" shows the alternatives and the
  // counselor. The click is recorded anonymously (entry, language, band) so the desk can measure its bands.
  function confirmBox(result, later) {
    const box = el("div", { class: "confirm" }, textBlock(result.confirm, "confirm-question"));
    const send = (helpful) => {
      api("/v1/feedback", { method: "POST", body: { entry_id: result.answer.id, lang: result.lang,
        band: result.confidence, helpful } }).catch(() => {});
      box.replaceChildren(textBlock(t(helpful ? "feedback_yes" : "feedback_no"), "feedback"));
      if (!helpful) box.append(...later);
    };
    box.append(el("div", { class: "confirm-buttons" },
      el("button", { type: "button", class: "yes", onclick: () => send(true) }, t("answer_yes")),
      el("button", { type: "button", class: "no", onclick: () => send(false) }, t("answer_no"))));
    return box;
  }

  function alternativesList(result) {
    if (!result.alternatives || !result.alternatives.length) return [];
    return [textBlock(t("maybe_you_meant"), "alt-title"),
      el("ul", { class: "alternatives" }, ...result.alternatives.map((alt) => el("li", {},
        el("button", { type: "button", class: "alt", lang: alt.question_lang,
          onclick: () => ask(alt.question) }, alt.question,
          // a question in another language says which, in the asker's words
          alt.question_lang && alt.question_lang !== result.lang
            ? el("span", { class: "alt-lang", lang: result.lang }, languageName(alt.question_lang)) : null))))];
  }

  // A knowledge-base answer: notice first (whatever is not the asker's own language is said before the text, in
  // the asker's language and script), the text, its source and date, the agency with Call and Website.
  function answerParts(a, notice) {
    const parts = [];
    if (a.translation === "machine" && (a.original_answer || a.original_question)) {
      parts.push(originalToggle(notice || t("machine_translated", { source_language: languageName(a.source_lang) }),
        a.source_lang, a.original_question, a.original_answer));
    } else if (notice) {
      parts.push(textBlock(notice, "notice"));
    }
    parts.push(el("div", { lang: a.answer_lang || null },
      a.question ? textBlock(a.question, "question") : null, textBlock(a.answer, "answer")));
    if (a.provenance_notice && a.translation === "human") parts.push(textBlock(a.provenance_notice, "provenance"));
    parts.push(el("p", { class: "meta" }, t("source_label") + ": ",
      el("a", { href: a.source.url, target: "_blank", rel: "noopener noreferrer", lang: a.answer_lang || null },
        a.source.title),
      // non-breaking hyphens keep a date on one line
      a.updated ? el("span", { class: "updated" }, " · " + t("updated_on", { date: a.updated.replaceAll("-", "\u2011") })) : null));
    if (a.contact) {
      const c = a.contact;
      parts.push(el("p", { class: "contact" }, t("contact_label") + ": ", el("strong", {}, c.agency),
        c.summary ? el("span", { class: "contact-summary" }, " " + c.summary + " ") : null,
        c.phone ? el("a", { href: "tel:" + c.phone, class: "call" }, t("call_label", { phone: c.phone })) : null,
        c.url ? el("a", { href: c.url, target: "_blank", rel: "noopener noreferrer", class: "site" },
          t("website_label")) : null));
    }
    return parts;
  }

  function renderAnswer(result) {
    const parts = [];
    const a = result.answer;
    if (result.kind === "greeting" || result.kind === "thanks") {
      addMessage("bot", t("desk_said"), result.lang, textBlock(result.message));
      return;
    }
    if (a && result.framing) parts.push(textBlock(result.framing, "framing"));
    if (a) {
      parts.push(...answerParts(a, result.notice));
      if (result.office) {
        const o = result.office;
        parts.push(el("p", { class: "office" }, t("office_label") + ": ", el("strong", {}, o.name),
          o.address ? " · " + o.address : null,
          o.phone ? el("a", { href: "tel:" + o.phone, class: "call" }, t("call_label", { phone: o.phone })) : null));
        if (o.note) parts.push(textBlock(o.note, "provenance"));
      }
    } else {
      parts.push(textBlock(result.message || t("not_confident")));
      if (result.offer_counselor && !state.ticket) parts.push(counselorButton());
    }
    if (a && result.confidence === "medium" && result.confirm) {
      parts.push(confirmBox(result, [...alternativesList(result), ...(state.ticket ? [] : [counselorButton()])]));
    } else {
      parts.push(...alternativesList(result));
    }
    addMessage("bot", t("desk_said"), result.lang, ...parts).classList.add("band-" + (result.confidence || "low"));
  }

  function remember(role, text, lang) {
    transcript.push({ role, text: text.slice(0, MAX_TURN_CHARS), lang });
    if (transcript.length > MAX_TURNS) transcript.splice(0, transcript.length - MAX_TURNS);
  }

  function setBusy(on, statusKey) {
    busy = on;
    ui.send.disabled = on;
    ui.status.textContent = on && statusKey ? t(statusKey) : "";
  }

  async function ask(text) {
    if (busy) return;
    showError("");
    const migrantItem = addMessage("me", t("you_said"), chosen, textBlock(text));
    setBusy(true, "searching");
    try {
      const r = await api("/v1/ask", { method: "POST", body: {
        text, lang: chosen || undefined, lang_hint: chosen ? undefined : uiLang,
        conversation_id: state.conversation } });
      const body = await r.json().catch(() => ({}));
      if (!r.ok) {
        showError(errorText(body.code));
        migrantItem.classList.add("failed");
        if (r.status >= 500 || r.status === 429) keepForRetry(text);  // the question is fine: send it again
        return;
      }
      if (!chosen && body.lang_reason === "detected" && body.lang !== uiLang) {
        await switchLanguage(body.lang);
        migrantItem.querySelector(".who").textContent = t("you_said");  // written before the switch
      }
      migrantItem.querySelector(".body").lang = body.lang;
      remember("migrant", text, body.lang);
      record({ type: "me", text, lang: body.lang });
      if (body.lang_reason === "handoff") {  // a counselor has this conversation: the bot stays silent
        addMessage("system", t("desk_said"), body.lang, textBlock(body.message));
        record({ type: "system", text: body.message, lang: body.lang });
        return;
      }
      renderAnswer(body);
      const a = body.answer;
      remember("bot", a ? [a.question, a.answer].filter(Boolean).join("\n") : (body.message || ""),
        a ? (a.answer_lang || body.lang) : body.lang);
      record({ type: "answer", result: body });  // saves the turns with the transcript as it is now
      saveState();
    } catch (e) {
      showError(t("error_offline", { send: t("send") }));  // offline or the server unreachable
      migrantItem.classList.add("failed");
      keepForRetry(text);
    } finally {
      setBusy(false);
    }
  }

  // A question that failed for the network's or the server's sake goes back into the box, so one tap on Send
  // tries again (nothing typed is lost).
  function keepForRetry(text) {
    if (!ui.q.value.trim()) ui.q.value = text;
    ui.q.focus();
  }

  // --- handoff and the counselor's replies -------------------------------------------------------------------

  function openHandoff() {
    ui.handoff.hidden = false;
    ui.counselor.hidden = true;
    ui.consentError.textContent = "";
    ui.consent.focus();
  }

  function closeHandoff() {
    ui.handoff.hidden = true;
    ui.counselor.hidden = Boolean(state.ticket);
    if (!state.ticket) ui.counselor.focus();
  }

  async function sendHandoff() {
    if (!ui.consent.checked) {
      ui.consentError.textContent = t("consent_required");
      ui.consent.focus();
      return;
    }
    ui.consentError.textContent = "";
    if (!state.handoffKey) { state.handoffKey = randomId() + randomId(); saveState(); }  // a retry gets the same ticket
    ui.handoffSend.disabled = true;
    try {
      const r = await api("/v1/handoff", { method: "POST", headers: { "Idempotency-Key": state.handoffKey },
        body: { conversation_id: state.conversation, lang: uiLang, transcript, consent: true } });
      const body = await r.json().catch(() => ({}));
      if (!r.ok) { ui.consentError.textContent = errorText(body.code); return; }
      state.ticket = body.ticket_id;
      state.token = body.access_token;
      saveState();
      ui.handoff.hidden = true;
      ui.counselor.hidden = true;
      addMessage("system", t("desk_said"), uiLang, textBlock(body.message));
      record({ type: "system", text: body.message, lang: uiLang });  // saved before anything is awaited
      await openTicket(false);
      ui.q.focus();
    } catch (e) {
      ui.consentError.textContent = t("error_server");
    } finally {
      ui.handoffSend.disabled = false;
    }
  }

  function renderTicketMessage(m) {
    if (shownMessages.has(m.id)) return;
    shownMessages.add(m.id);
    lastMessageId = Math.max(lastMessageId, m.id);
    if (m.author === "migrant") {
      addMessage("me", t("you_said"), m.lang, textBlock(m.text));
      return;
    }
    const parts = [];
    if (m.answer) {
      parts.push(...answerParts(m.answer, m.answer_notice));  // a knowledge-base answer the counselor sent
    } else {
      if (m.translated) parts.push(originalToggle(m.notice || t("show_original"), m.original_lang, m.original_text));
      else if (m.notice) parts.push(textBlock(m.notice, "notice"));
      parts.push(el("div", { lang: m.lang || null }, textBlock(m.text)));
    }
    const kind = m.author === "counselor" ? "counselor" : m.author === "bot" ? "bot" : "system";
    addMessage(kind, kind === "counselor" ? t("counselor_said") : t("desk_said"), m.lang, ...parts);
    if (m.author === "counselor" && document.hidden) document.title = t("counselor_replied");
  }

  // Says where the case stands when that changes (several statuses share one sentence: say it once).
  async function showStatus(status) {
    if (status === lastStatus) return;
    lastStatus = status;
    const r = await api(`/v1/tickets/${state.ticket}`, { token: state.token });
    if (!r.ok) return;
    const ticket = await r.json();
    if (ticket.status_message !== lastStatusMessage) {
      lastStatusMessage = ticket.status_message;
      addMessage("system", t("desk_said"), ticket.lang, textBlock(ticket.status_message));
    }
    if (status === "closed") endTicket();
  }

  function endTicket() {
    ui.form.hidden = true;
    ui.restart.hidden = false;
  }

  // Loads the ticket; `replay` shows its messages (a page reload), otherwise they are already on the page.
  async function openTicket(replay) {
    const r = await api(`/v1/tickets/${state.ticket}`, { token: state.token });
    if (r.status === 401 || r.status === 403 || r.status === 404) { forgetTicket(); return; }
    if (!r.ok) return;
    const ticket = await r.json();
    for (const m of ticket.messages) {
      // The transcript (what was said before the handoff) is among this tab's saved turns already; a tab
      // without them (another tab, storage cleared) shows it from the server.
      if (replay && !(m.origin === "transcript" && turns.length)) renderTicketMessage(m);
      else { shownMessages.add(m.id); lastMessageId = Math.max(lastMessageId, m.id); }
    }
    lastStatus = ticket.status;
    lastStatusMessage = ticket.status_message;
    const said = turns.some((turn) => turn.type === "system" && turn.text === ticket.status_message);
    if (replay && !said) addMessage("system", t("desk_said"), ticket.lang, textBlock(ticket.status_message));
    applyStrings();
    if (ticket.status === "closed") { endTicket(); return; }
    poll();
  }

  function forgetTicket() {
    state = { conversation: randomId(), handoffKey: null, ticket: null, token: null };
    saveState();
    try { sessionStorage.removeItem(TURNS_KEY); } catch (e) { /* storage off */ }
    applyStrings();
    ui.counselor.hidden = false;
  }

  async function poll() {
    if (polling) return;
    polling = true;
    try {
      // Sent back so that a status change (claimed, resolved) answers at once; starts at what openTicket saw,
      // else the first wait would sleep through a claim ("a counselor has your case" came 19 s late).
      let seenStatus = lastStatus;
      while (state.ticket) {
        let r;
        try {
          const statusParam = seenStatus ? `&status=${encodeURIComponent(seenStatus)}` : "";
          r = await api(`/v1/tickets/${state.ticket}/messages?after=${lastMessageId}&wait=${POLL_SECONDS}${statusParam}`,
            { token: state.token });
        } catch (e) {
          await new Promise((done) => setTimeout(done, 3000));  // offline for a moment: try again
          continue;
        }
        if (r.status === 401 || r.status === 403 || r.status === 404) { forgetTicket(); break; }
        if (!r.ok) { await new Promise((done) => setTimeout(done, 3000)); continue; }
        const body = await r.json();
        seenStatus = body.status;
        await showStatus(body.status);  // "a counselor has your case" before what the counselor wrote
        body.messages.forEach(renderTicketMessage);
        lastMessageId = Math.max(lastMessageId, body.last_id);
        if (body.status === "closed") break;
      }
    } finally {
      polling = false;
    }
  }

  async function writeToTicket(text) {
    if (busy) return;
    showError("");
    setBusy(true);
    try {
      const r = await api(`/v1/tickets/${state.ticket}/messages`, { method: "POST", token: state.token,
        body: { text, lang: chosen || uiLang } });
      const body = await r.json().catch(() => ({}));
      if (!r.ok) { showError(errorText(body.code)); return; }
      body.messages.forEach(renderTicketMessage);
      ui.q.value = "";
    } catch (e) {
      showError(t("error_offline", { send: t("send") }));  // the text stays in the box: Send again
    } finally {
      setBusy(false);
    }
  }

  // --- wiring ---------------------------------------------------------------------------------------------------

  ui.form.addEventListener("submit", (event) => {
    event.preventDefault();
    const text = ui.q.value.trim();
    if (!text) { showError(t("error_empty_text")); ui.q.focus(); return; }
    if (text.length > config.max_chars) { showError(errorText("text_too_long")); return; }
    if (state.ticket) { writeToTicket(text); return; }
    ui.q.value = "";
    ask(text);
  });
  ui.q.addEventListener("keydown", (event) => {
    // Enter sends, Shift+Enter starts a new line; never while an input method is composing (Korean, Vietnamese...).
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      ui.form.requestSubmit();
    }
  });
  ui.counselor.addEventListener("click", openHandoff);
  ui.handoffSend.addEventListener("click", sendHandoff);
  ui.handoffCancel.addEventListener("click", closeHandoff);
  ui.restart.addEventListener("click", () => {
    try { localStorage.removeItem(STATE_KEY); sessionStorage.removeItem(TURNS_KEY); } catch (e) { /* private mode */ }
    window.location.reload();
  });
  document.addEventListener("visibilitychange", () => {
    if (!document.hidden) document.title = t("chat_title");
  });

  async function start() {
    let saved = null;
    try { saved = localStorage.getItem(LANG_KEY); } catch (e) { /* private mode */ }
    if (!chosen && saved && ui.lang.querySelector(`option[value="${saved}"]`)) {
      chosen = saved;
      ui.lang.value = saved;
    }
    const restored = readTurns();
    if (restored && !chosen && restored.chosen) { chosen = restored.chosen; ui.lang.value = chosen; }
    if (chosen) await switchLanguage(chosen);
    else if (restored && restored.lang) await switchLanguage(restored.lang);  // the conversation's language
    if (restored) {
      transcript.push(...(restored.transcript || []));
      turns = restored.turns;
      turns.forEach(replay);
    }
    saveState();
    applyStrings();  // the page's own sentences with their phone numbers as links
    if (state.ticket) {
      ui.counselor.hidden = true;
      await openTicket(true);
    }
    document.body.dataset.ready = "true";  // for the browser tests: the page's script has run
  }

  start();
})();
