/* Portgate: the partial-port table of the LSR form (business-rules §4.6, issue 15), enhanced.
   The rows come from the page's JSON island a page at a time, filtered by a TN fragment; every
   TN's choice is kept in the hidden lists the server reads (pp_port, pp_keep, pp_disc); "Port
   all" and "Keep the rest" act in one click; PORTED NBR, MI, NAN and REMARKS are filled as
   forms/partial.py fills them. Without this file the same buttons work through the server. */
(function () {
  "use strict";
  const $ = (sel, root) => (root || document).querySelector(sel);
  const LISTS = [["port", "pp_port"], ["keep", "pp_keep"], ["disconnect", "pp_disc"]];
  const CHOICES = ["port", "keep", "disconnect"];
  const digitsOf = (text) => text.replace(/\D/g, "");
  const clean = (text) => text.replace(/\bPARTIAL\s+PORT\b[\s.;,]*/gi, " ")
    .replace(/\bDISC\b[\s:]*[\d()\-.\s,;]*/gi, " ").replace(/\s+/g, " ").replace(/^[\s;,]+|[\s;,]+$/g, "");

  function element(tag, text, className) {
    const el = document.createElement(tag);
    if (text) el.textContent = text;
    if (className) el.className = className;
    return el;
  }

  function setup() {
    const box = $("#partial-table"), island = $("#pp-data");
    if (!box || !island) return;
    const data = JSON.parse(island.textContent);
    const btn = data.btn, tns = data.tns, notWorking = data.not_working || {};
    const perPage = data.per_page || 50;
    const working = tns.filter((t) => !notWorking[t]);
    const hidden = (name) => $('input[name="' + name + '"]', box);
    const pick = {};
    LISTS.forEach(([choice, name]) => {
      (hidden(name).value.match(/\d{10}/g) || []).forEach((t) => { pick[t] = choice; });
    });
    const filter = $("#pp_filter"), body = $("tbody", box), select = $("#new_btn");
    const prev = $("#pp-prev"), next = $("#pp-next");
    let at = Number(hidden("pp_at").value) || 1;

    const shown = () => {
      const digits = digitsOf(filter.value);
      return digits ? tns.filter((t) => t.includes(digits)) : tns;
    };

    const row = (tn) => {
      const tr = document.createElement("tr");
      tr.dataset.tn = tn;
      const th = element("th", tn, "mono");
      th.scope = "row";
      if (tn === btn) th.append(" ", element("span", "BTN", "badge"));
      tr.append(th, element("td", (notWorking[tn] || "working").replace(/_/g, " ")));
      if (notWorking[tn]) {
        const td = element("td", "not working: cannot port", "muted");
        td.colSpan = 3;
        tr.appendChild(td);
        return tr;
      }
      CHOICES.forEach((c) => {
        const input = document.createElement("input");
        input.type = "radio"; input.name = "pp-" + tn; input.value = c; input.checked = pick[tn] === c;
        input.setAttribute("aria-label", c.charAt(0).toUpperCase() + c.slice(1) + " " + tn);
        const td = document.createElement("td");
        td.appendChild(input);
        tr.appendChild(td);
      });
      return tr;
    };

    const render = () => {
      const rows = shown(), filtered = Boolean(digitsOf(filter.value));
      const pages = Math.max(1, Math.ceil(rows.length / perPage));
      at = Math.min(Math.max(at, 1), pages);
      body.textContent = "";
      const slice = rows.slice((at - 1) * perPage, at * perPage);
      if (!slice.length) {
        const td = element("td", "No TN of the account contains “" + filter.value.trim() + "”.", "muted");
        td.colSpan = 5;
        body.appendChild(element("tr")).appendChild(td);
      }
      slice.forEach((t) => body.appendChild(row(t)));
      $("#pp-pager").hidden = pages < 2;
      prev.disabled = at < 2; next.disabled = at >= pages;
      prev.value = String(at - 1); next.value = String(at + 1);
      $("#pp-where").textContent = "Page " + at + " of " + pages + " · " + rows.length + " TNs" + (filtered ? " shown" : "");
      $("#pp-port-all").textContent = filtered ? "Port all shown" : "Port all";
      hidden("pp_at").value = String(at);
    };

    const tally = () => {
      const counts = { port: 0, keep: 0, disconnect: 0 };
      working.forEach((t) => { if (pick[t]) counts[pick[t]] += 1; });
      const unchosen = working.length - counts.port - counts.keep - counts.disconnect;
      const line = $("#pp-tally");
      line.textContent = working.length + " working TNs: ";
      [counts.port + " port", counts.keep + " keep", counts.disconnect + " disconnect", unchosen + " not yet marked"]
        .forEach((text) => line.append(element("span", text, "badge"), " "));
    };

    /* The LSR fields from the choices: a TN not marked stays (§4.6). */
    const fill = () => {
      const port = working.filter((t) => pick[t] === "port");
      const disc = working.filter((t) => pick[t] === "disconnect");
      const staying = working.filter((t) => pick[t] !== "port" && pick[t] !== "disconnect");
      const partial = port.length > 0 && port.length < working.length;
      const leaves = partial && pick[btn] === "port";
      if (select) {  // NAN may name only a TN that stays (R402)
        const chosen = leaves && staying.includes(select.value) ? select.value : "";
        select.length = 1;
        if (leaves) staying.forEach((t) => select.add(new Option(t, t, false, t === chosen)));
        select.value = chosen;
        $("#new-btn-field").hidden = !leaves;
      }
      $("#tns").value = port.join("\n");
      $("#mi").value = partial ? "A" : "";
      $("#nan").value = leaves && select ? select.value : "";
      const words = (partial ? ["PARTIAL PORT"] : []).concat(disc.length ? ["DISC " + disc.join(", ")] : []);
      const rest = clean($("#remarks").value);
      $("#remarks").value = words.concat(rest ? [rest] : []).join("; ").slice(0, 500);
      $("#tns").dispatchEvent(new Event("input"));  // the TN lines are checked again
    };

    const changed = () => {
      LISTS.forEach(([choice, name]) => { hidden(name).value = working.filter((t) => pick[t] === choice).join(" "); });
      tally();
      fill();
    };
    const clicked = (button, act) => button.addEventListener("click", (ev) => { ev.preventDefault(); act(); });

    body.addEventListener("change", (ev) => {
      const radio = ev.target;
      if (radio.type !== "radio" || !radio.checked) return;
      pick[radio.closest("tr").dataset.tn] = radio.value;
      changed();
    });
    if (select) select.addEventListener("change", () => { $("#nan").value = select.value; });
    filter.addEventListener("input", () => { at = 1; render(); });
    filter.addEventListener("keydown", (ev) => { if (ev.key === "Enter") { ev.preventDefault(); at = 1; render(); } });
    clicked($("#pp-show"), () => { at = 1; render(); });
    clicked(prev, () => { at -= 1; render(); });
    clicked(next, () => { at += 1; render(); });
    clicked($("#pp-port-all"), () => {
      shown().forEach((t) => { if (!notWorking[t]) pick[t] = "port"; });
      render(); changed();
    });
    clicked($("#pp-keep-rest"), () => {
      working.forEach((t) => { if (!pick[t]) pick[t] = "keep"; });
      render(); changed();
    });
    render();
  }

  document.addEventListener("DOMContentLoaded", setup);
})();
