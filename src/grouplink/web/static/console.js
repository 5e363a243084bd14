// The console's progressive enhancements. Every screen works without them:
// the link is in a field (or on the page) to select, reset, delete and revoke have
// confirmation pages, "Approve all" needs no ticking, and a date field stays shown.
"use strict";

function say(text, near) {
  const section = near && near.closest("section");
  const status =
    (section && section.querySelector("[data-status]")) || document.querySelector("[data-status]");
  if (status) {
    status.textContent = "";
    window.setTimeout(() => { status.textContent = text; }, 50);
  }
}

// The link in a field (its value) or in the text of an element such as <code>.
function linkIn(element) {
  return "value" in element ? element.value : element.textContent.trim();
}

async function copyFrom(fieldId) {
  const field = document.getElementById(fieldId);
  if (!field) return;
  try {
    await navigator.clipboard.writeText(linkIn(field));
  } catch (error) {
    if (field.select) field.select(); // older browsers, or a page not served over HTTPS
    else window.getSelection().selectAllChildren(field);
    if (!document.execCommand("copy")) {
      say("Select the link and copy it.", field);
      return;
    }
  }
  say("Link copied.", field);
}

async function share(button) {
  const field = document.getElementById(button.dataset.share);
  if (!field) return;
  const data = { title: button.dataset.title, text: button.dataset.text, url: linkIn(field) };
  if (navigator.share && (!navigator.canShare || navigator.canShare(data))) {
    try {
      await navigator.share(data);
      return;
    } catch (error) {
      if (error && error.name === "AbortError") return; // the person closed the share sheet
    }
  }
  await copyFrom(button.dataset.share); // no Web Share here: copying is the next best
}

function enhance() {
  for (const button of document.querySelectorAll("[data-copy]")) {
    button.hidden = false;
    button.addEventListener("click", () => copyFrom(button.dataset.copy));
  }
  for (const button of document.querySelectorAll("[data-share]")) {
    button.hidden = false;
    button.addEventListener("click", () => share(button));
  }
  for (const link of document.querySelectorAll("[data-confirm]")) {
    const dialog = document.getElementById(link.dataset.confirm);
    if (!dialog || typeof dialog.showModal !== "function") continue;
    link.addEventListener("click", (event) => {
      event.preventDefault();
      dialog.showModal();
      const cancel = dialog.querySelector("[data-close]");
      if (cancel) cancel.focus(); // the safe choice has the focus
    });
    for (const close of dialog.querySelectorAll("[data-close]")) {
      close.addEventListener("click", () => dialog.close());
    }
  }
  // A date and time field only matters with the choice that uses it (the last one).
  for (const choice of document.querySelectorAll("select[data-when]")) {
    const row = document.getElementById(choice.dataset.when);
    if (!row) continue;
    const last = choice.options[choice.options.length - 1].value;
    const update = () => { row.hidden = choice.value !== last; };
    choice.addEventListener("change", update);
    update();
  }
  for (const box of document.querySelectorAll("[data-select-all]")) {
    const wrapper = box.closest(".select-all");
    if (wrapper) wrapper.hidden = false;
    const form = box.form;
    const boxes = () => form.querySelectorAll(`input[name="${box.dataset.selectAll}"]`);
    box.addEventListener("change", () => {
      for (const each of boxes()) each.checked = box.checked;
    });
    form.addEventListener("change", (event) => {
      if (event.target === box) return;
      const all = [...boxes()];
      box.checked = all.length > 0 && all.every((each) => each.checked);
      box.indeterminate = !box.checked && all.some((each) => each.checked);
    });
  }
}

document.addEventListener("DOMContentLoaded", enhance);
