// Who drops are for: #to's value, device ids joined by commas ('' for
// all), sent with each drop. Loaded when first needed. Device names come
// from other devices: text only, never HTML.
import { $, api, deviceName, el, errorOf, toast } from './app.js';

let dialog = null;
let list = null;

// "To Laptop", "To Laptop and Tablet", "To 3 devices", "To all devices".
function say (choices) {
  const node = el('span', 'part', 'To ');
  const n = choices.length;
  if (!n || n > 2) node.append(n ? `${n} devices` : 'all devices');
  else choices.forEach((c, i) => node.append(i ? ' and ' : '', el('bdi', null, c.name)));
  return node;
}

// Kept while the tab is open: [{ id, name }], empty for all.
function target (choices) {
  const button = $('to');
  button.value = choices.map((c) => c.id).join(',');
  button.replaceChildren(say(choices));
  try { sessionStorage.dropifyTo = JSON.stringify(choices); } catch (e) { /* no storage */ }
}

try {
  // An object is what an earlier page kept: one device.
  const kept = [JSON.parse(sessionStorage.dropifyTo)].flat();
  target(kept.every((c) => /^[^,]{1,128}$/.test(c?.id ?? ',') && typeof c.name === 'string') ? kept : []);
} catch (e) { /* none, or no storage */ }

function chosen () {
  return [...list.querySelectorAll('input[data-name]:checked')]
    .map((box) => ({ id: box.value, name: box.dataset.name }));
}

// "All devices" unticks the devices, a device unticks "All devices",
// and nothing ticked is all.
function changed ({ target: ticked }) {
  const [all, ...boxes] = list.querySelectorAll('input');
  if (ticked.checked) for (const box of ticked === all ? boxes : [all]) box.checked = false;
  all.checked ||= !boxes.some((box) => box.checked);
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
  for (const [look, word] of [['flat small', 'Cancel'], ['pill', 'Done']]) {
    buttons.appendChild(el('button', look, word)).value = word;
  }
  form.append(list, buttons);
  dialog.appendChild(form);
  // Before the dialog closes (its close event comes a task later).
  form.addEventListener('submit', (event) => {
    if (event.submitter?.value === 'Done') target(chosen());
  });
  document.body.appendChild(dialog);
}

// One check box, its name and a line on what ticking it means. The one
// for all devices has no name of its own to send.
function choice (id, name, detail) {
  const label = el('label', 'choice');
  const box = label.appendChild(el('input'));
  const ids = $('to').value.split(',');
  box.type = 'checkbox';
  box.value = id;
  if (id) box.dataset.name = name;
  box.checked = ids.includes(id);
  label.appendChild(el('span', 'choice-text'))
    .append(el('bdi', 'choice-name', name), el('span', 'choice-detail', detail));
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
  // Devices chosen before may be gone: those left stay, or all again.
  target(chosen());
  list.querySelector('input').checked = !chosen().length;
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
    if (!response.ok) return toast(await errorOf(response));
    devices = await response.json();
  } catch (e) {
    return toast(`Couldn’t reach ${deviceName()}`);
  }
  await ready;
  if (!dialog) build();
  fill(Array.isArray(devices) ? devices : []);
  dialog.showModal();
  list.querySelector('input:checked').focus();
}
