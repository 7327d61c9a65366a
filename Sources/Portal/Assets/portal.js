// Portcullis portal: progressive enhancement only. Every page works without this file; with it, the menu folds on
// small screens, destructive buttons ask first, tables filter as you type, the dashboard's numbers stay live and
// password fields show the rules as you type.
"use strict";
document.documentElement.classList.add("js");

document.addEventListener("DOMContentLoaded", () => {
  const toggle = document.querySelector(".menu-toggle");
  const menu = document.getElementById("menu");
  if (toggle && menu) {
    toggle.addEventListener("click", () => {
      const open = menu.classList.toggle("open");
      toggle.setAttribute("aria-expanded", String(open));
    });
  }

  // <form data-confirm="..."> asks before posting.
  for (const form of document.querySelectorAll("form[data-confirm]")) {
    form.addEventListener("submit", (event) => {
      if (!window.confirm(form.dataset.confirm)) event.preventDefault();
    });
  }

  // <input data-filter="ID"> hides the rows (or labels) of element ID that do not contain the text.
  for (const input of document.querySelectorAll("input[data-filter]")) {
    const target = document.getElementById(input.dataset.filter);
    if (!target) continue;
    const items = target.querySelectorAll("tbody tr, label");
    input.addEventListener("input", () => {
      const text = input.value.trim().toLowerCase();
      for (const item of items) item.hidden = text !== "" && !item.textContent.toLowerCase().includes(text);
    });
  }

  // <input type=checkbox data-select-all="NAME"> checks every checkbox named NAME.
  for (const all of document.querySelectorAll("input[data-select-all]")) {
    all.addEventListener("change", () => {
      for (const box of document.querySelectorAll(`input[name="${all.dataset.selectAll}"]`)) {
        if (!box.closest("tr")?.hidden) box.checked = all.checked;
      }
    });
  }

  // Password rules, as the server checks them (the server's answer stays the judge).
  for (const input of document.querySelectorAll("input[data-password-rules]")) {
    const list = document.getElementById(input.dataset.passwordRules);
    if (!list) continue;
    const rules = [
      ["length", (v) => v.length >= 10],
      ["upper", (v) => /[A-Z]/.test(v)],
      ["lower", (v) => /[a-z]/.test(v)],
      ["digit", (v) => /[0-9]/.test(v)],
      ["repeat", (v) => v !== "" && !/(.)\1\1\1/.test(v)],
    ];
    const update = () => {
      for (const [name, test] of rules) {
        const item = list.querySelector(`[data-rule="${name}"]`);
        if (!item) continue;
        const met = test(input.value);
        item.className = met ? "met" : "unmet";
        item.querySelector(".state").textContent = met ? "✓" : "✗";
      }
    };
    input.addEventListener("input", update);
    update();
  }

  // The dashboard's live numbers: [data-live="field"] refreshed from the summary every 15 s.
  const live = document.querySelectorAll("[data-live]");
  if (live.length > 0) {
    const refresh = async () => {
      try {
        const answer = await fetch("/api/v1/security/summary", { credentials: "same-origin", headers: { Accept: "application/json" } });
        if (!answer.ok) return;
        const summary = await answer.json();
        for (const element of live) {
          const value = summary[element.dataset.live];
          if (value !== undefined) element.textContent = String(value);
        }
        const stamp = document.getElementById("live-stamp");
        if (stamp) stamp.textContent = new Date().toLocaleTimeString();
      } catch (error) {
        // Offline for a moment: the next refresh tries again.
      }
    };
    setInterval(refresh, 15000);
  }
});
