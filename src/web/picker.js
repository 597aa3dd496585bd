// Who drops are for: all devices, or some of those the computer trusts.
// Loaded when the person first opens "Send to" (or when the tab chose
// devices before a reload), so the page's first load stays small; it
// shares app.js's state, as a module loads once. The choice is the value
// of #to, device ids joined by commas or '' for all, which app.js sends
// with each drop. Device names come from other devices: text only, never
// HTML.
import { $, api, deviceName, el, errorOf, toast } from './app.js';

let dialog = null;
let list = null;

// "To Laptop", "To Laptop and Tablet", "To 3 devices".
function say (choices) {
  if (!choices.length) return 'To all devices';
  if (choices.length > 2) return `To ${choices.length} devices`;
  const node = el('span', 'part');
  node.append('To ', el('bdi', null, choices[0].name));
  if (choices.length === 2) node.append(' and ', el('bdi', null, choices[1].name));
  return node;
}

// Kept while the tab is open, as a list of { id, name }: empty for all.
function target (choices) {
  const button = $('to');
  button.value = choices.map((c) => c.id).join(',');
  button.replaceChildren(say(choices));
  try { sessionStorage.dropifyTo = JSON.stringify(choices); } catch (e) { /* no storage */ }
}

function valid (c) {
  return typeof c?.id === 'string' && /^[^,]{1,128}$/.test(c.id) && typeof c.name === 'string';
}

try {
  // An object is what an earlier page kept: one device.
  const kept = JSON.parse(sessionStorage.dropifyTo);
  const choices = Array.isArray(kept) ? kept : [kept];
  target(choices.every(valid) ? choices.slice(0, 64) : []);
} catch (e) { /* none, or no storage */ }

function chosen () {
  return [...list.querySelectorAll('input[data-name]:checked')]
    .map((box) => ({ id: box.value, name: box.dataset.name }));
}

// "All devices" and the devices exclude each other; ticking nothing is
// all devices again.
function changed (event) {
  const all = list.querySelector('input:not([data-name])');
  if (event.target === all && all.checked) {
    for (const box of list.querySelectorAll('input[data-name]')) box.checked = false;
  } else if (event.target !== all && event.target.checked) {
    all.checked = false;
  }
  if (!chosen().length) all.checked = true;
}

function build () {
  dialog = el('dialog', 'picker');
  dialog.setAttribute('aria-labelledby', 'picker-title');
  const form = el('form');
  form.method = 'dialog';
  list = el('fieldset', 'choices');
  const legend = el('legend', null, 'Send to');
  legend.id = 'picker-title';
  list.appendChild(legend);
  list.addEventListener('change', changed);
  const buttons = el('div', 'picker-buttons');
  const cancel = el('button', 'flat small', 'Cancel');
  const done = el('button', 'pill', 'Done');
  cancel.value = 'cancel';
  done.value = 'done';
  buttons.append(cancel, done);
  form.append(list, buttons);
  dialog.appendChild(form);
  // Before the dialog closes (its close event comes a task later).
  form.addEventListener('submit', (event) => {
    if (event.submitter?.value !== 'done') return;
    target(chosen());
  });
  document.body.appendChild(dialog);
}

// One check box, its name and a line on what ticking it means. The one
// for all devices has no name of its own to send.
function choice (id, name, detail) {
  const label = el('label', 'choice');
  const box = el('input');
  const ids = $('to').value ? $('to').value.split(',') : [];
  box.type = 'checkbox';
  box.value = id;
  if (id) box.dataset.name = name;
  box.checked = id ? ids.includes(id) : !ids.length;
  const text = el('span', 'choice-text');
  text.append(el('bdi', 'choice-name', name), el('span', 'choice-detail', detail));
  label.append(box, text);
  return label;
}

function fill (devices) {
  const computer = deviceName();
  list.replaceChildren(list.firstChild,
    choice('', 'All devices', `Every device that syncs with ${computer}`));
  for (const device of devices) {
    if (typeof device.id !== 'string' || typeof device.name !== 'string') continue;
    const detail = device.this ? 'Only this computer'
      : device.connected ? 'Connected' : 'Not connected now: it gets it when it’s back';
    list.appendChild(choice(device.id, device.name || 'Unnamed device', detail));
  }
  // A device chosen before may be gone: drops go to those left, or to
  // all again.
  target(chosen());
  if (!chosen().length) list.querySelector('input').checked = true;
}

// The stylesheet first, so that the dialog never shows unstyled.
function styled () {
  return new Promise((resolve) => {
    const link = el('link');
    link.rel = 'stylesheet';
    link.href = 'picker.css';
    link.onload = link.onerror = resolve;
    document.head.appendChild(link);
  });
}

let ready = null;

export async function open () {
  if (dialog?.open) return;
  ready ||= styled();
  let devices;
  try {
    const response = await api('GET', '/api/devices');
    if (!response.ok) {
      toast(await errorOf(response));
      return;
    }
    devices = await response.json();
  } catch (e) {
    toast(`Couldn’t reach ${deviceName()}`);
    return;
  }
  await ready;
  if (!dialog) build();
  fill(Array.isArray(devices) ? devices : []);
  dialog.showModal();
  list.querySelector('input:checked').focus();
}
