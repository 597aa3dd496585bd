// Who drops are for: all devices, or one of those the computer trusts.
// Loaded when the person first opens "Send to" (or when the tab chose a
// device before a reload), so the page's first load stays small; it
// shares app.js's state, as a module loads once. The choice is the value
// of #to, a device id or '' for all, which app.js sends with each drop.
// Device names come from other devices: text only, never HTML.
import { $, api, deviceName, el, errorOf, phrase, toast } from './app.js';

let dialog = null;
let list = null;

// Kept while the tab is open, as { id, name }, or null for all.
function target (choice) {
  const button = $('to');
  button.value = choice ? choice.id : '';
  button.replaceChildren(choice ? phrase('To ', choice.name) : 'To all devices');
  try { sessionStorage.dropifyTo = JSON.stringify(choice); } catch (e) { /* no storage */ }
}

try {
  const kept = JSON.parse(sessionStorage.dropifyTo);
  target(typeof kept?.id === 'string' && typeof kept.name === 'string' ? kept : null);
} catch (e) { /* none, or no storage */ }

function build () {
  dialog = el('dialog', 'picker');
  dialog.setAttribute('aria-labelledby', 'picker-title');
  const form = el('form');
  form.method = 'dialog';
  list = el('fieldset', 'choices');
  const legend = el('legend', null, 'Send to');
  legend.id = 'picker-title';
  list.appendChild(legend);
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
    const chosen = list.querySelector('input:checked');
    target(chosen && chosen.value ? { id: chosen.value, name: chosen.dataset.name } : null);
  });
  document.body.appendChild(dialog);
}

// One radio, its name and a line on what choosing it means.
function choice (id, name, detail) {
  const label = el('label', 'choice');
  const radio = el('input');
  radio.type = 'radio';
  radio.name = 'to';
  radio.value = id;
  radio.dataset.name = name;
  radio.checked = id === $('to').value;
  const text = el('span', 'choice-text');
  text.append(el('bdi', 'choice-name', name), el('span', 'choice-detail', detail));
  label.append(radio, text);
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
  // The device chosen before may be gone: then drops go to all again.
  if (!list.querySelector('input:checked')) {
    target(null);
    list.querySelector('input').checked = true;
  }
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
