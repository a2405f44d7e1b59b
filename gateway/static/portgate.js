/* Portgate: small progressive enhancements; every page works without this file. */
(function () {
  "use strict";
  const $ = (sel, root) => (root || document).querySelector(sel);
  const $$ = (sel, root) => Array.from((root || document).querySelectorAll(sel));
  const csrf = () => ($('meta[name="csrf-token"]') || {}).content || "";

  function focusErrors() {
    const summary = $(".error-summary");
    if (summary) summary.focus();
  }

  function confirmations() {
    $$("[data-confirm]").forEach((el) => {
      el.addEventListener("click", (ev) => { if (!window.confirm(el.dataset.confirm)) ev.preventDefault(); });
    });
  }

  function printing() {
    $$("[data-print]").forEach((el) => el.addEventListener("click", () => window.print()));
  }

  function copying() {
    $$("[data-copy]").forEach((button) => {
      button.addEventListener("click", async () => {
        const input = $(button.dataset.copy);
        if (!input) return;
        input.select();
        try { await navigator.clipboard.writeText(input.value); } catch (e) { document.execCommand("copy"); }
        button.textContent = "Copied";
      });
    });
  }

  /* Live clocks: count from the server's clock (FROZEN_NOW in demos), not the browser's. */
  function duration(seconds) {
    const s = Math.abs(Math.floor(seconds));
    const d = Math.floor(s / 86400), h = Math.floor((s % 86400) / 3600), m = Math.floor((s % 3600) / 60);
    if (d) return d + " d " + h + " h";
    if (h) return h + " h " + m + " min";
    return s >= 60 ? Math.max(m, 1) + " min" : "under a minute";
  }
  function clocks() {
    const nodes = $$("[data-deadline]");
    if (!nodes.length) return;
    const serverNow = Date.parse(document.body.dataset.serverNow || "");
    const offset = isNaN(serverNow) ? 0 : serverNow - Date.now();
    const tick = () => nodes.forEach((el) => {
      const left = (Date.parse(el.dataset.deadline) - (Date.now() + offset)) / 1000;
      el.textContent = left >= 0 ? "in " + duration(left) : duration(left) + " ago";
      el.classList.toggle("overdue", left < 0);
    });
    tick();
    window.setInterval(tick, 30000);
  }

  function navToggle() {
    const button = $(".navtoggle"), nav = $("#mainnav");
    if (!button || !nav) return;
    button.hidden = false;
    document.body.classList.add("js-nav");
    button.addEventListener("click", () => {
      const open = button.getAttribute("aria-expanded") !== "true";
      button.setAttribute("aria-expanded", String(open));
      nav.classList.toggle("open", open);
    });
  }

  /* A table wider than its box (a phone) scrolls inside it: such a box becomes a labelled tab
     stop so that keyboards can scroll it too (WCAG 2.1.1); boxes that fit stay out of the way. */
  function scrollables() {
    const boxes = $$(".table-wrap:not([tabindex])");
    if (!boxes.length) return;
    const name = (box) => {
      const caption = $("caption", box);
      const scope = box.closest("section, fieldset, .card") || $("main");
      const heading = scope && $("h2, h3, legend, h1", scope);
      return ((caption || heading || {}).textContent || "Table").trim().replace(/\s+/g, " ");
    };
    const mark = () => boxes.forEach((box) => {
      const scrolls = box.scrollWidth > box.clientWidth + 1 || box.scrollHeight > box.clientHeight + 1;
      if (scrolls) {
        box.tabIndex = 0;
        box.setAttribute("role", "region");
        box.setAttribute("aria-label", name(box));
      } else {
        box.removeAttribute("tabindex"); box.removeAttribute("role"); box.removeAttribute("aria-label");
      }
    });
    mark();
    let timer = null;
    window.addEventListener("resize", () => { window.clearTimeout(timer); timer = window.setTimeout(mark, 200); });
  }

  /* User access: privileges or a named role, one at a time. */
  function accessChoice() {
    const radios = $$('input[name="access"]');
    if (!radios.length) return;
    const show = () => {
      const chosen = (radios.find((r) => r.checked) || {}).value;
      $$("[data-when]").forEach((el) => { el.hidden = el.dataset.when !== chosen; });
    };
    radios.forEach((r) => r.addEventListener("change", show));
    show();
  }

  /* TN lines: judged by the server (format, duplicates, not ours) as the user types. */
  function renderLines(target, data) {
    target.textContent = "";
    if (!data.lines.length) {
      const p = document.createElement("p");
      p.className = "empty small";
      p.textContent = "Paste or upload TNs: each line is checked here before you send.";
      target.appendChild(p);
      return;
    }
    const counts = {};
    data.lines.forEach((l) => { counts[l.status] = (counts[l.status] || 0) + 1; });
    const tally = document.createElement("p");
    tally.className = "tally";
    ["valid", "invalid", "duplicate", "not_ours", "not_portable"].forEach((s) => {
      if (!counts[s]) return;
      const b = document.createElement("span");
      b.className = "badge " + s;
      b.textContent = counts[s] + " " + s.replace("_", " ");
      tally.append(b, " ");
    });
    target.appendChild(tally);
    data.problems.forEach((text) => {
      const p = document.createElement("p"); p.className = "error"; p.textContent = text; target.appendChild(p);
    });
    const wrap = document.createElement("div");
    wrap.className = "table-wrap lines";
    wrap.tabIndex = 0;  // it scrolls: keyboards reach it (as in _tn_lines.html)
    wrap.setAttribute("role", "region");
    wrap.setAttribute("aria-label", "TN lines as checked");
    const table = document.createElement("table");
    table.innerHTML = "<thead><tr><th scope=col>Line</th><th scope=col>As written</th><th scope=col>TN</th><th scope=col>Check</th></tr></thead>";
    const body = document.createElement("tbody");
    data.lines.forEach((l) => {
      const tr = document.createElement("tr");
      tr.className = "line-" + l.status;
      [String(l.number), l.raw, l.tn || "—"].forEach((text, i) => {
        const td = document.createElement("td"); td.textContent = text; if (i) td.className = "mono"; tr.appendChild(td);
      });
      const td = document.createElement("td");
      const badge = document.createElement("span");
      badge.className = "badge " + l.status; badge.textContent = l.status.replace("_", " ");
      td.appendChild(badge);
      if (l.detail) { const s = document.createElement("span"); s.className = "small"; s.textContent = " " + l.detail; td.appendChild(s); }
      tr.appendChild(td); body.appendChild(tr);
    });
    table.appendChild(body); wrap.appendChild(table); target.appendChild(wrap);
  }

  function tnLines() {
    const form = $("#lsr-form"), area = $("#tns"), target = $("#tn-lines");
    if (!form || !area || !target) return null;
    let timer = null, seq = 0;
    const check = () => {
      const data = new FormData();
      data.append("tns", area.value);
      if (form.dataset.lsrId) data.append("lsr_id", form.dataset.lsrId);
      const mine = ++seq;
      fetch(form.dataset.checkUrl, { method: "POST", body: data, credentials: "same-origin",
                                     headers: { "X-CSRFToken": csrf(),
                                                "X-Portgate-Background": "1" } })
        .then((r) => (r.ok ? r.json() : null))
        .then((json) => { if (json && mine === seq) renderLines(target, json); })
        .catch(() => {});
    };
    const later = () => { window.clearTimeout(timer); timer = window.setTimeout(check, 500); };
    area.addEventListener("input", later);
    const file = $("#tns_file");
    if (file) {
      file.addEventListener("change", () => {
        const chosen = file.files && file.files[0];
        if (!chosen || chosen.size > 256 * 1024) return;
        const reader = new FileReader();
        reader.onload = () => { area.value = String(reader.result).trim(); check(); };
        reader.readAsText(chosen);
      });
    }
    return check;
  }

  document.addEventListener("DOMContentLoaded", () => {
    focusErrors(); confirmations(); printing(); copying(); clocks(); navToggle(); accessChoice();
    scrollables();
    tnLines();
  });
})();
