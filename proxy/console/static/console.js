// sluicegate console: progressive enhancement only. Every page works without this file.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  // Copy buttons: <button class="copy" data-copy="element-id">
  for (const button of document.querySelectorAll("button.copy")) {
    button.addEventListener("click", async () => {
      const source = document.getElementById(button.dataset.copy);
      if (!source) return;
      try {
        await navigator.clipboard.writeText(source.textContent.trim());
        button.textContent = "Copied";
      } catch (error) {
        const range = document.createRange();
        range.selectNodeContents(source);
        const selection = window.getSelection();
        selection.removeAllRanges();
        selection.addRange(range);
        button.textContent = "Selected: press Ctrl+C";
      }
    });
  }
  // Confirm before a destructive form: <form data-confirm="...">
  for (const form of document.querySelectorAll("form[data-confirm]")) {
    form.addEventListener("submit", (event) => {
      if (!window.confirm(form.dataset.confirm)) event.preventDefault();
    });
  }
  // The overview refreshes itself, but never under someone's keyboard focus (a reload would
  // send a keyboard user back to the top) or while a details box is open.
  const refresh = document.querySelector("[data-refresh]");
  if (refresh) {
    const seconds = Number(refresh.dataset.refresh) || 5;
    window.setInterval(() => {
      const focused = document.activeElement && document.activeElement !== document.body;
      const reading = document.querySelector("details[open]");
      if (!focused && !reading && document.visibilityState === "visible") window.location.reload();
    }, seconds * 1000);
  }
});
