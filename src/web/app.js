// The phone page of Dropify: plain JS, no build step. Every string from
// the server is shown with textContent, never parsed as HTML.
export const $ = (id) => document.getElementById(id);
// Listens to an element, given or by its id.
const on = (target, type, handler) =>
  (typeof target === 'string' ? $(target) : target).addEventListener(type, handler);
export const token = location.hash.slice(1);
export const drops = new Map(); // id → drop, as the server sent it
let info = { max_file_size: Infinity, max_text_length: Infinity };
let skew = 0;                 // server clock − ours, in ms
let ws = null;
let retryDelay = 500;
let retryTimer = 0;
export let locked = false;
let pausedUntil = 0;          // after a 429, Date.now() until which we wait
let resumeTimer = 0;
export let upload = null;     // { xhr, cancelled, to }
let pending = null;           // a text being sent: { id, text, to }
let sending = false;
let unseen = 0;               // drops since the page was hidden
let older = 0;                // past the newest 1,000: not listed

// Liveness: a frozen or sleeping computer keeps the socket open, silent.
const HEARTBEAT_MS = 4000;    // a ping this often while live
const PONG_MS = 3000;         // an answer within this, or it is gone
const OPEN_MS = 5000;         // a new socket must open within this
const PROBE_MS = 4000;        // /api/info, asked why a socket closed
const SEND_MS = 8000;         // any other request
let heartbeat = 0;
let pongTimer = 0;
let openTimer = 0;

// Icons: stroked 24×24 paths.
const SVG = 'http://www.w3.org/2000/svg';
const ICONS = {
  text: 'M5 6h14M5 11h14M5 16h9',
  file: 'M6 3h8l5 5v13H6zM14 3v5h5',
  image: 'M4 5h16v14H4zM4 16l5-5 4 4 2-2 5 5M15 9h.01',
  copy: 'M10 8h8a2 2 0 0 1 2 2v8a2 2 0 0 1-2 2h-8a2 2 0 0 1-2-2v-8a2 2 0 0 1 2-2zM4 16V6a2 2 0 0 1 2-2h10',
  trash: 'M4 7h16M10 11v6M14 11v6M6 7l1 13h10l1-13M9 7V4h6v3',
  download: 'M12 4v11M7 10l5 5 5-5M5 20h14',
  attach: 'M20 11l-8 8a5 5 0 0 1-7-7l8-8a3.5 3.5 0 0 1 5 5l-8 8a2 2 0 0 1-3-3l7-7',
  send: 'M12 19V5M6 11l6-6 6 6',
};

function icon (name) {
  const svg = document.createElementNS(SVG, 'svg');
  const path = document.createElementNS(SVG, 'path');
  svg.setAttribute('viewBox', '0 0 24 24');
  svg.setAttribute('class', 'icon');
  svg.setAttribute('aria-hidden', 'true');
  path.setAttribute('d', ICONS[name]);
  svg.appendChild(path);
  return svg;
}

export function el (tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

// Names come from other devices: in a <bdi>, a right-to-left one cannot
// reorder the words around it.
export function phrase (before, name) {
  const node = el('span', 'part');
  node.append(before, el('bdi', null, name));
  return node;
}

// Formatting

function formatSize (bytes) {
  const units = ['bytes', 'kB', 'MB', 'GB', 'TB'];
  let i = 0;
  while (bytes >= 1000 && i < units.length - 1) { bytes /= 1000; i++; }
  return i ? `${bytes.toFixed(1)} ${units[i]}` : plural(bytes, 'byte', 'bytes');
}

function plural (n, one, many) {
  return `${n} ${n === 1 ? one : many}`;
}

// Seconds, minutes, hours up to two days, then days.
function formatLeft (ms) {
  if (ms <= 0) return 'Expired';
  const [unit, size] = ms < 59500 ? ['second', 1e3] : ms < 3570000 ? ['minute', 6e4]
    : ms < 171e6 ? ['hour', 36e5] : ['day', 864e5];
  return `Expires in ${plural(Math.max(1, Math.round(ms / size)), unit, `${unit}s`)}`;
}

function now () {
  return Date.now() + skew;
}

// Feedback

let toastTimer = 0;
export function toast (message) {
  const node = $('toast');
  node.textContent = message;
  node.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => { node.hidden = true; }, 3000);
}

function setStatus (state, label) {
  const node = $('status');
  node.className = `status ${state}`;
  node.textContent = label;
}

function banner (message) {
  const node = $('banner');
  node.textContent = message || '';
  node.hidden = !message;
}

export function deviceName () {
  return info.name || 'your computer';
}

// The status, the subtitle and the banner say what is true now; {} is
// the computer's name, which it chose, so the subtitle has it in a <bdi>.
const STATES = {
  live: ['live', 'Live', 'Connected to {}', ''],
  reconnecting: ['reconnecting', 'Reconnecting…', 'Reconnecting to {}…', 'Lost the connection to {}. Reconnecting…'],
  unreachable: ['reconnecting', 'Reconnecting…', 'Can’t reach {}, retrying',
    'Can’t reach {}, retrying. It may be asleep, busy, or no longer on this network.'],
  off: ['offline', 'Off', 'Phone access is off on {}',
    'Phone access is off on {}. Turn it on in Dropify’s Preferences there; this page reconnects by itself.'],
  offline: ['offline', 'Offline', 'Not connected to {}', 'You’re offline. The history will update when you’re back.'],
};

function say (state) {
  const [kind, label, subtitle, text] = STATES[state];
  const [before, after] = subtitle.split('{}');
  setStatus(kind, label);
  $('device').replaceChildren(before, el('bdi', null, deviceName()), after);
  banner(text.replace('{}', deviceName()));
}

const LOCKS = {
  missing: ['Open this page from your computer',
    'This address has no access key. Scan the QR code that Dropify shows on your computer, or run “dropify qr” there.'],
  wrong: ['This link doesn’t work anymore',
    'Its access key is wrong or was revoked. Scan the QR code on your computer again to get a new link.'],
  limited: ['Too many tries', ''],  // pause() counts down
};

// The server's Retry-After, in seconds, within reason.
export function retryAfter (value) {
  const seconds = parseInt(value, 10);
  return seconds > 0 && seconds <= 3600 ? seconds : 60;
}

export function lock (kind, seconds) {
  const limited = kind === 'limited';
  const [title, text] = LOCKS[kind];
  locked = !limited;
  $('locked-title').textContent = title;
  $('locked-text').textContent = text;
  $('retry').hidden = locked;
  $('locked').hidden = false;
  $('main').setAttribute('aria-hidden', 'true');
  $('composer').hidden = true;
  setStatus('locked', limited ? 'Paused' : 'No access');
  clearTimeout(retryTimer);
  clearInterval(resumeTimer);
  pausedUntil = 0;
  if (limited) pause(seconds || 60);
  ws?.close();
}

// Waits out the server's Retry-After, counting down, then connects again.
function pause (seconds) {
  pausedUntil = Date.now() + seconds * 1000;
  const tick = () => {
    const left = Math.ceil((pausedUntil - Date.now()) / 1000);
    if (left <= 0) {
      resume();
      return;
    }
    $('locked-text').textContent =
      `This device tried too many wrong keys. Trying again in ${plural(left, 'second', 'seconds')}.`;
  };
  tick();
  resumeTimer = setInterval(tick, 1000);
}

function resume () {
  clearInterval(resumeTimer);
  pausedUntil = 0;
  locked = false;
  unlock();
  setStatus('connecting', 'Connecting…');
  connect();
}

function unlock () {
  $('locked').hidden = true;
  $('main').removeAttribute('aria-hidden');
  $('composer').hidden = false;
}

// The API

// Rejects when the computer does not answer within `timeout` ms.
export async function api (method, path, body, timeout = SEND_MS) {
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), timeout);
  const response = await fetch(path, {
    method,
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
    body: body && JSON.stringify(body),
    cache: 'no-store',
    signal: abort.signal,
  }).finally(() => clearTimeout(timer));
  if (response.status === 401) lock('wrong');
  if (response.status === 429) lock('limited', retryAfter(response.headers.get('Retry-After')));
  return response;
}

export async function errorOf (response) {
  try {
    const reply = await response.json();
    if (reply && typeof reply.error === 'string') return reply.error;
  } catch (e) { /* not JSON */ }
  return `The computer answered ${response.status}`;
}

// The history

// A card whose drop changed (progress aside) is built again; the others
// are kept.
const cards = new Map();      // id → { node, shape }
function shape (drop) {
  return drop.kind === 'text' ? 'text'
    : `${drop.complete}|${drop.url || ''}|${drop.thumbnail || ''}|${drop.name}|${drop.size}|${drop.mime}`;
}

function cardFor (drop) {
  const known = cards.get(drop.id);
  const now = shape(drop);
  if (known && known.shape === now) return known.node;
  if (known) known.node.remove();
  const node = card(drop);
  cards.set(drop.id, { node, shape: now });
  return node;
}

// Only the newest cards are built, a screenful first, then PAGE more as
// the end of the list comes near: a thousand froze the page for seconds.
const PAGE = 20;
let shown = 12;
export function render () {
  const list = $('drops');
  const sorted = [...drops.values()].sort((a, b) => b.created_at - a.created_at);
  for (const id of cards.keys()) if (!drops.has(id)) cards.delete(id);
  const nodes = sorted.slice(0, shown).map(cardFor);
  nodes.forEach((node, i) => {
    if (list.children[i] !== node) list.insertBefore(node, list.children[i] || null);
  });
  while (list.children.length > nodes.length) list.lastChild.remove();
  $('empty').hidden = drops.size > 0;
  $('older').hidden = older < 1 || shown < drops.size;
  $('older').textContent = `${plural(older, 'older drop is', 'older drops are')} only on ${deviceName()}.`;
  refreshTimes();
}

// Every 30 s, or every second while a drop has under two minutes left.
let timesTimer = 0;
function refreshTimes () {
  let soonest = Infinity;
  for (const drop of drops.values()) {
    const left = drop.expires_at - now();
    if (left > 0) soonest = Math.min(soonest, left);
  }
  for (const [id, { node }] of cards) {
    const label = formatLeft(drops.get(id).expires_at - now());
    const expires = node.querySelector('.expires');
    if (expires.textContent !== label) expires.textContent = label;
  }
  clearTimeout(timesTimer);
  timesTimer = setTimeout(refreshTimes, soonest < 120000 ? 1000 : 30000);
}

function button (label, iconName) {
  const node = el('button', 'action');
  node.type = 'button';
  node.title = label;
  node.setAttribute('aria-label', label);
  node.appendChild(icon(iconName));
  return node;
}

function arriving (drop) {
  return `arriving, ${Math.floor(100 * Math.min(drop.received || 0, drop.size) / Math.max(drop.size, 1))}%`;
}

// Long texts fold. Whether one is long is estimated from its lines at
// this width (8 px a character, the list less a card's icon and buttons),
// never measured: a layout read per card froze the page for seconds.
let perLine = 0;
function looksLong (drop) {
  if (drop.truncated) return true;
  if (!perLine) perLine = Math.max(20, Math.floor(($('drops').clientWidth - 170) / 8));
  let lines = 0;
  for (const line of drop.text.split('\n', 8)) {
    lines += Math.max(1, Math.ceil(line.length / perLine));
    if (lines > 6) return true;
  }
  return false;
}

// A long text comes as its first kilobyte; the rest when it is wanted.
async function fetchWhole (drop) {
  try {
    const response = await api('GET', `/api/drops/${encodeURIComponent(drop.id)}`);
    if (!response.ok) {
      if (!locked) toast(await errorOf(response));
      return false;
    }
    const whole = await response.json();
    drop.text = whole.text;
    drop.truncated = false;
    return true;
  } catch (e) {
    toast(`Couldn’t reach ${deviceName()}`);
    return false;
  }
}

// When it was sent: the time today, the date before; all of it on hover.
function sentLabel (when) {
  return when.toDateString() === new Date().toDateString()
    ? when.toLocaleTimeString([], { timeStyle: 'short' }) : when.toLocaleDateString([], { dateStyle: 'medium' });
}

function sentAt (drop) {
  const when = new Date(drop.created_at);
  const node = el('time', 'part', sentLabel(when));
  node.dateTime = when.toISOString();
  node.title = `Sent ${when.toLocaleString([], { dateStyle: 'full', timeStyle: 'short' })}`;
  return node;
}

// A new day turns the times of the day before into dates: at midnight,
// and when the page is seen again (a sleeping phone runs no timers).
function refreshSentAt () {
  for (const node of document.querySelectorAll('time[datetime]')) {
    const label = sentLabel(new Date(node.dateTime));
    if (node.textContent !== label) node.textContent = label;
  }
}

function refreshSentAtAtMidnight () {
  const now = new Date();
  const midnight = new Date(now.getFullYear(), now.getMonth(), now.getDate() + 1);
  setTimeout(() => {
    refreshSentAt();
    refreshSentAtAtMidnight();
  }, midnight - now + 1000);
}

function card (drop) {
  const item = el('li', 'drop');
  item.id = `drop-${drop.id}`;
  const isText = drop.kind === 'text';
  const bubble = el('span', 'bubble');
  bubble.appendChild(icon(isText ? 'text' : /^image\//.test(drop.mime) ? 'image' : 'file'));

  // The meta line wraps between its parts, never inside one.
  const body = el('div', 'body');
  const meta = el('p', 'meta');
  const parts = [phrase('From ', drop.origin_name || 'an unknown device'), sentAt(drop)];
  // A drop for some devices only says which.
  if (Array.isArray(drop.to)) parts.splice(1, 0, phrase('To ', drop.to.join(', ')));
  if (isText) {
    body.appendChild(el('p', 'text', drop.text)).dir = 'auto';
  } else {
    body.appendChild(el('p', 'name', drop.name)).dir = 'auto';
    // At most 256 px, made by the computer; loading before src.
    if (drop.thumbnail) Object.assign(body.appendChild(el('img', 'thumb')), { loading: 'lazy', alt: '', src: drop.thumbnail });
    parts.unshift(formatSize(drop.size));
    if (!drop.complete) {
      parts.push(el('span', 'part arriving', arriving(drop)));
    }
  }
  for (const part of parts) meta.append(part.nodeType ? part : el('span', 'part', part), ' · ');
  meta.appendChild(el('span', 'part expires'));
  body.appendChild(meta);

  const actions = el('div', 'actions');
  if (isText) {
    const copy = button('Copy the text', 'copy');
    on(copy, 'click', async () => {
      if (!drop.truncated || await fetchWhole(drop)) copyText(drop.text);
    });
    actions.appendChild(copy);
  } else {
    const link = el('a', 'action primary');
    link.appendChild(icon('download'));
    link.title = 'Download';
    link.setAttribute('aria-label', `Download ${drop.name}`);
    if (drop.url) {
      link.href = drop.url;
      link.download = drop.name;
    } else {
      link.setAttribute('aria-disabled', 'true');
    }
    actions.appendChild(link);
  }
  actions.appendChild(deleteButton(drop));
  item.append(bubble, body, actions);

  if (isText && looksLong(drop)) {
    const text = body.querySelector('.text');
    const more = el('button', 'more', 'Show more');
    text.classList.add('clamped');
    more.type = 'button';
    more.setAttribute('aria-expanded', 'false');
    on(more, 'click', async () => {
      if (drop.truncated && !await fetchWhole(drop)) return;
      text.textContent = drop.text;
      const open = text.classList.toggle('clamped') === false;
      more.textContent = open ? 'Show less' : 'Show more';
      more.setAttribute('aria-expanded', String(open));
    });
    text.after(more);
  }
  return item;
}

// Deleting removes the drop on every device, so it takes a second tap.
function deleteButton (drop) {
  const what = drop.kind === 'text' ? 'the text' : drop.name;
  const node = button(`Delete ${what}`, 'trash');
  const label = (text) => node.setAttribute('aria-label', text);
  let armed = 0;
  node.appendChild(el('span', 'confirm', 'Delete?'));
  on(node, 'click', async () => {
    if (!armed) {
      node.classList.add('danger');
      label(`Tap again to delete ${what} on all your devices`);
      toast('Tap again to delete it on all your devices');
      armed = setTimeout(() => {
        armed = 0;
        node.classList.remove('danger');
        label(`Delete ${what}`);
      }, 4000);
      return;
    }
    clearTimeout(armed);
    node.disabled = true;
    try {
      const response = await api('DELETE', `/api/drops/${encodeURIComponent(drop.id)}`);
      if (response.ok || response.status === 404) {
        drops.delete(drop.id);
        render();
        toast('Deleted');
      } else if (!locked) {
        toast(await errorOf(response));
      }
    } catch (e) {
      toast(`Couldn’t reach ${deviceName()}`);
    }
    node.disabled = false;
  });
  return node;
}

// Not a secure context, so no navigator.clipboard: copy from a hidden
// text area the old way.
function copyText (text) {
  const area = el('textarea', 'visually-hidden');
  area.value = text;
  area.readOnly = true;
  document.body.appendChild(area);
  area.focus({ preventScroll: true });
  area.select();
  area.setSelectionRange(0, text.length);
  let copied;
  try { copied = document.execCommand('copy'); } catch (e) { /* refused */ }
  area.remove();
  toast(copied ? 'Copied' : 'Could not copy: press and hold the text to copy it');
}

// The live connection

function received (message) {
  switch (message.type) {
    case 'snapshot':
      info = message.info;
      skew = info.now - Date.now();
      say('live');
      named();
      drops.clear();
      for (const drop of message.drops) drops.set(drop.id, drop);
      older = info.total - message.drops.length;
      render();
      break;
    case 'added':
      // Counted in the title while the page is hidden; a buzz if allowed.
      if (document.hidden && message.drop.origin !== info.phone_origin) {
        document.title = `(${++unseen}) Dropify`;
        navigator.vibrate?.(100);
      }
      // falls through
    case 'changed':
      drops.set(message.drop.id, message.drop);
      render();
      break;
    case 'progress': {
      // At most four a second per file, from the computer.
      const drop = drops.get(message.id);
      const span = drop && $(`drop-${drop.id}`)?.querySelector('.arriving');
      if (!span) break;
      drop.received = message.received;
      span.textContent = arriving(drop);
      break;
    }
    case 'removed':
      // Not listed: it was one of the older ones.
      if (!drops.delete(message.id) && older > 0) older--;
      render();
      break;
    case 'ping':
      ws.send('{"type":"pong"}');
  }
}

function stopBeat () {
  clearInterval(heartbeat);
  clearTimeout(pongTimer);
  clearTimeout(openTimer);
  pongTimer = 0;
}

function retry () {
  clearTimeout(retryTimer);
  retryTimer = setTimeout(connect, retryDelay);
  retryDelay = Math.min(retryDelay * 2, 5000);
}

// The computer went silent: drop the socket without a close handshake
// that will not come, and try again.
function unreachable (socket) {
  if (ws !== socket) return;
  ws = null;
  stopBeat();
  socket.onopen = socket.onmessage = socket.onclose = null;
  socket.close();
  say(navigator.onLine === false ? 'offline' : 'unreachable');
  retry();
}

function beat (socket) {
  if (ws !== socket || socket.readyState !== WebSocket.OPEN || pongTimer) return;
  socket.send('{"type":"ping"}');
  pongTimer = setTimeout(() => unreachable(socket), PONG_MS);
}

function connect () {
  clearTimeout(retryTimer);
  if (locked || pausedUntil || (ws && ws.readyState <= WebSocket.OPEN)) return;
  const socket = new WebSocket(`${location.origin.replace(/^http/, 'ws')}/api/live`, ['dropify', `bearer.${token}`]);
  ws = socket;
  openTimer = setTimeout(() => unreachable(socket), OPEN_MS);
  socket.onopen = () => {
    clearTimeout(openTimer);
    retryDelay = 500;
    unlock();
    banner('');
    setStatus('live', 'Live');
    heartbeat = setInterval(() => beat(socket), HEARTBEAT_MS);
    if (pending) deliver();
  };
  socket.onmessage = (event) => {
    clearTimeout(pongTimer);
    pongTimer = 0;
    try { received(JSON.parse(event.data)); } catch (e) { /* ignore a bad message */ }
  };
  socket.onclose = (event) => {
    if (ws !== socket) return;
    ws = null;
    stopBeat();
    if (event.code === 4001) {
      lock('wrong');
      return;
    }
    if (!locked && !pausedUntil) lost();
  };
}

// Why did it close? A page sees a refused handshake as a network error,
// so ask the API: 401, or 404 when phone access is off.
async function lost () {
  let state = navigator.onLine === false ? 'offline' : 'reconnecting';
  say(state);
  try {
    if ((await api('GET', '/api/info', undefined, PROBE_MS)).status === 404) state = 'off';
  } catch (e) {
    if (state !== 'offline') state = 'unreachable';
  }
  if (locked || pausedUntil || ws) return;
  say(state);
  retry();
}

// Sending

// An id made here, so that sending again after a lost answer makes no
// second drop (no crypto.randomUUID without a secure context).
export function newId () {
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  return [...b].map((x) => x.toString(16).padStart(2, '0')).join('')
    .replace(/(.{8})(.{4})(.{4})(.{4})/, '$1-$2-$3-$4-');
}

function sendText (event) {
  event.preventDefault();
  post($('text').value);
}

// Sends a text: the composer's, or one dropped on the page.
function post (text) {
  if (!text.trim()) return;
  if (new TextEncoder().encode(text).length > info.max_text_length) {
    toast(`The text is longer than the limit of ${formatSize(info.max_text_length)}`);
    return;
  }
  if (!pending || pending.text !== text) pending = { id: newId(), text, to: $('to').value };
  deliver();
}

// Sends the pending text. If the computer does not answer, it goes again,
// with the same id, once the live connection is back; editing cancels it.
async function deliver () {
  const job = pending;
  const area = $('text');
  if (!job || sending) return;
  sending = true;
  $('send').disabled = true;
  try {
    const response = await api('POST', '/api/drops', { text: job.text, id: job.id, audience: job.to ? job.to.split(',') : [] });
    if (pending === job) pending = null;
    if (response.ok) {
      const drop = await response.json();
      drops.set(drop.id, drop);
      render();
      if (area.value === job.text) {
        area.value = '';
        grow();
      }
      toast('Sent');
    } else if (!locked) {
      toast(await errorOf(response));
    }
  } catch (e) {
    if (pending === job) {
      toast(`Couldn’t reach ${deviceName()}. The text will go once it answers.`);
      // Live again meanwhile: the answer was lost, not the computer.
      if (ws && ws.readyState === WebSocket.OPEN) setTimeout(deliver, 2000);
    }
  }
  sending = false;
  $('send').disabled = !area.value.trim();
  if (pending && pending !== job) deliver();
}

async function sendFiles (list) {
  const files = list.filter((file) => file.size <= info.max_file_size);
  for (const file of list) {
    if (!files.includes(file)) toast(`“${file.name}” is larger than the limit of ${formatSize(info.max_file_size)}`);
  }
  if (!files.length) return;
  if (upload) {
    toast('Wait until the files being sent are done');
    return;
  }
  const total = files.reduce((sum, file) => sum + file.size, 0);
  let done = 0;
  let sent = 0;
  upload = { xhr: null, cancelled: false, to: $('to').value };
  $('upload').hidden = false;
  $('attach').disabled = true;
  try {
    // How a file goes is loaded with the first one (upload.js).
    const { uploadOne } = await import('./upload.js');
    for (const file of files) {
      if (upload.cancelled || locked) break;
      if (await uploadOne(file, done, total)) sent++;
      done += file.size;
    }
  } catch (e) {
    toast(`Couldn’t reach ${deviceName()}`);
  }
  if (sent && !upload.cancelled) toast(sent === 1 ? 'File sent' : `${sent} files sent`);
  upload = null;
  $('upload').hidden = true;
  $('upload-progress').value = 0;
  $('upload-percent').textContent = '';
  $('attach').disabled = false;
}

function grow () {
  const area = $('text');
  area.style.height = 'auto';
  area.style.height = `${area.scrollHeight}px`;
  $('send').disabled = !area.value.trim();
}

// The name this browser's drops carry on every device (“Anna’s Pixel”).
// The computer keeps it while it runs; the page keeps it too, and names
// itself again to a computer that restarted.
function named () {
  const saved = remember();
  // Not while a name is being typed.
  if (document.activeElement !== $('name')) $('name').value = saved || info.phone_name;
  if (saved && saved !== info.phone_name) rename(saved);
}

// Reads the name kept here, or keeps one (when this browser lets it).
function remember (name) {
  try {
    if (name === undefined) return localStorage.dropifyName;
    localStorage.dropifyName = name;
  } catch (e) { /* no storage */ }
}

async function rename (name) {
  try {
    const response = await api('PUT', '/api/name', { name });
    if (!response.ok) throw response;
    info.phone_name = (await response.json()).name;
    remember(name.trim());
  } catch (e) {
    if (!e.status) toast(`Couldn’t reach ${deviceName()}`);
    else if (!locked) toast(await errorOf(e));
  }
  // Unless another name was typed meanwhile.
  if ($('name').value === name) $('name').value = info.phone_name;
}

// On a computer, files (or a text) dropped anywhere on the page, and
// files pasted, go as the file button and the composer send them; a text
// dropped or pasted into the composer is only editing.
let dragging = 0;
function dragged (event) {
  if (locked) return;
  event.preventDefault();
  if (event.type === 'dragenter' && !dragging++) {
    $('dropzone').hidden = false;
    toast(`Drop to send to ${deviceName()}`);
  }
}

function dropped (event) {
  const files = [...event.dataTransfer.files];
  dragging = 0;
  $('dropzone').hidden = true;
  if (locked || (!files.length && event.target === $('text'))) return;
  event.preventDefault();
  if (files.length) sendFiles(files);
  else post(event.dataTransfer.getData('text/plain'));
}

// Start

function start () {
  $('attach').appendChild(icon('attach'));
  $('send').appendChild(icon('send'));
  on('text-form', 'submit', sendText);
  on('text', 'input', () => {
    if (pending && pending.text !== $('text').value) pending = null;
    grow();
  });
  on('text', 'keydown', (event) => {
    if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) sendText(event);
  });
  on('attach', 'click', () => $('files').click());
  on('files', 'change', () => {
    const list = [...$('files').files];
    $('files').value = '';
    sendFiles(list);
  });
  on('upload-cancel', 'click', () => {
    if (!upload) return;
    upload.cancelled = true;
    upload.xhr?.abort();
    toast('Upload cancelled');
  });
  on('retry', 'click', resume);
  // Who drops are for: the value of #to, a device's id or '' for all,
  // which picker.js (loaded when needed) sets, and keeps for the session.
  on('to', 'click', () => import('./picker.js').then((picker) => picker.open()));
  try { if (sessionStorage.dropifyTo) import('./picker.js'); } catch (e) { /* no storage */ }
  on('name', 'change', () => rename($('name').value));
  on(document, 'dragenter', dragged);
  on(document, 'dragover', dragged);
  on(document, 'dragleave', () => {
    if (dragging && !--dragging) $('dropzone').hidden = true;
  });
  on(document, 'drop', dropped);
  on(document, 'paste', (event) => {
    const files = [...event.clipboardData.files];
    if (files.length && !locked) {
      event.preventDefault();
      sendFiles(files);
    }
  });
  on(window, 'online', connect);
  on(window, 'resize', () => { perLine = 0; });
  on(window, 'offline', () => ws?.close());
  // Back from sleep, the socket may look open and be long dead: ask now.
  on(document, 'visibilitychange', () => {
    if (document.hidden) return;
    unseen = 0;
    document.title = 'Dropify';
    refreshSentAt();
    if (ws) beat(ws);
    connect();
  });
  on(window, 'hashchange', () => location.reload());
  const more = new IntersectionObserver((entries) => {
    if (!entries[0].isIntersecting || shown >= drops.size) return;
    shown += PAGE;
    render();
    // Observed afresh, it reports again if it is still in reach.
    more.unobserve($('end'));
    more.observe($('end'));
  }, { rootMargin: '800px' });
  more.observe($('end'));
  refreshSentAtAtMidnight();

  if (!/^[A-Za-z0-9_-]{22,128}$/.test(token)) {
    lock('missing');
    return;
  }
  connect();
}

start();
