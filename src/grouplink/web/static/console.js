// The console's progressive enhancements. Every screen works without them:
// the link is in a field (or on the page) to select; reset, delete, revoke, remove and
// approve or reject all ask on pages of their own; "Approve all" needs no ticking; and a
// date field stays shown.
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

// A button with data-ask asks first in a dialog made for the question, then sends its form
// with confirmed=yes. Without scripts the form arrives without it and the server answers
// with a page that asks the same. The dialog exists only while it is open.
function askFirst(button) {
  const dialog = document.createElement("dialog");
  dialog.setAttribute("aria-labelledby", "ask-title");
  dialog.setAttribute("aria-describedby", "ask-warning");
  dialog.innerHTML =
    '<h2 id="ask-title"></h2><p id="ask-warning"></p><div class="dialog-buttons">' +
    '<button type="button" class="button small secondary" data-close>Cancel</button>' +
    '<button type="button" class="button small" data-ask-confirm></button></div>';
  dialog.querySelector("#ask-title").textContent = button.dataset.ask;
  dialog.querySelector("#ask-warning").textContent = button.dataset.askWarning || "";
  const go = dialog.querySelector("[data-ask-confirm]");
  go.textContent = button.dataset.askConfirm || button.textContent;
  go.classList.toggle("danger", "askDanger" in button.dataset);
  dialog.querySelector("[data-close]").addEventListener("click", () => dialog.close());
  go.addEventListener("click", () => {
    const confirmed = document.createElement("input");
    confirmed.type = "hidden";
    confirmed.name = "confirmed";
    confirmed.value = "yes";
    button.form.append(confirmed);
    dialog.close();
    button.form.requestSubmit(button);
  });
  dialog.addEventListener("close", () => dialog.remove());
  document.body.append(dialog);
  dialog.showModal();
  dialog.querySelector("[data-close]").focus(); // the safe choice has the focus
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
  for (const button of document.querySelectorAll("button[data-ask]")) {
    if (typeof HTMLDialogElement !== "function") break; // the server asks instead
    button.addEventListener("click", (event) => {
      event.preventDefault();
      askFirst(button);
    });
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
  // A choice about turning a switch off (Settings: the waiting requests) shows while it
  // is off; without scripts it is always there, and says it is about turning it off.
  for (const choice of document.querySelectorAll("[data-shown-when-off]")) {
    const toggle = document.getElementById(choice.dataset.shownWhenOff);
    if (!toggle) continue;
    const update = () => { choice.hidden = toggle.checked; };
    toggle.addEventListener("change", update);
    update();
  }
  // "12 of 128 characters" under a field, as it is typed; past the limit the count says
  // so, and the server refuses the save at the field (a maxlength would cut silently).
  for (const counter of document.querySelectorAll("[data-counter]")) {
    const field = document.getElementById(counter.dataset.counter);
    if (!field) continue;
    const update = () => { countInto(counter, field.value); };
    field.addEventListener("input", update);
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

// The words of a counter: characters as Python counts them (code points, not UTF-16).
function countInto(counter, text) {
  const limit = Number(counter.dataset.limit);
  const used = [...text].length;
  const over = used - limit;
  counter.textContent =
    `${used} of ${limit} characters` + (over > 0 ? `: ${over} too many` : "");
  counter.classList.toggle("over", over > 0);
}

document.addEventListener("DOMContentLoaded", enhance);
