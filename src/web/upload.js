// The bytes of a file, sent so that a dropped connection loses none of
// them (see dropify-phone-upload.c). Loaded with the first file sent,
// so the page's first load stays small; it shares app.js's state (a
// module loads once).
import { $, api, drops, lock, locked, newId, render, retryAfter, toast, token, upload } from './app.js';

const STALL_MS = 15000;       // an upload that sends nothing this long

// One PUT of the file from `offset`: resolves with the status and the
// JSON answer, rejects when the connection is lost, or sends nothing or
// has no answer for STALL_MS (a dropping Wi-Fi leaves requests hanging).
function put (file, path, offset, done, total) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    const size = file.size;
    let stall = 0;
    const watch = () => {
      clearTimeout(stall);
      stall = setTimeout(() => xhr.abort(), STALL_MS);
    };
    upload.xhr = xhr;
    watch();
    xhr.onloadend = () => clearTimeout(stall);
    xhr.upload.onprogress = (event) => {
      watch();
      const percent = Math.floor(100 * (done + offset + event.loaded) / Math.max(total, 1));
      $('upload-progress').value = percent;
      $('upload-percent').textContent = `${percent}%`;
    };
    xhr.onload = () => {
      let reply = {};
      try { reply = JSON.parse(xhr.responseText); } catch (e) { /* keep it */ }
      resolve([xhr.status, reply, xhr.getResponseHeader('Retry-After')]);
    };
    xhr.onerror = xhr.onabort = reject;
    xhr.open('PUT', path);
    xhr.setRequestHeader('Authorization', `Bearer ${token}`);
    xhr.setRequestHeader('X-Filename', encodeURIComponent(file.name));
    xhr.setRequestHeader('X-Audience', upload.to);
    xhr.setRequestHeader('Content-Range', offset < size ? `bytes ${offset}-${size - 1}/${size}` : `bytes */${size}`);
    xhr.send(file.slice(offset));
  });
}

// A file goes to /api/uploads/ID, an id made here. After a Wi-Fi hiccup
// the computer still has what arrived: ask how much, and go on from there.
export async function uploadOne (file, done, total) {
  const path = `/api/uploads/${newId()}`;
  let offset = 0;
  let ask = false;
  let lost = 0;
  $('upload-name').textContent = file.name;
  for (let conflicts = 0; conflicts < 5 && !upload.cancelled;) {
    let status, reply, after;
    try {
      if (ask) {
        const response = await api('GET', path);
        [status, reply] = [response.status, await response.json()];
      } else {
        [status, reply, after] = await put(file, path, offset, done, total);
      }
    } catch (e) {
      if (upload.cancelled || locked) break;
      if (!lost++) toast(`Lost the connection while sending “${file.name}”. Trying again…`);
      ask = true;
      await new Promise((resolve) => setTimeout(resolve, Math.min(500 * lost, 5000)));
      continue;
    }
    ask = false;
    if (reply.complete) {
      if (reply.drop) {
        drops.set(reply.drop.id, reply.drop);
        render();
      }
      return true;
    }
    if ((status === 200 || status === 409) && typeof reply.offset === 'number') {
      if (status === 409) conflicts++;
      offset = reply.offset;
      continue;
    }
    if (status === 401) lock('wrong');
    else if (status === 429) lock('limited', retryAfter(after));
    else if (!locked) toast(reply.error || `Could not send “${file.name}”`);
    return false;
  }
  api('DELETE', path).catch(() => {});
  return false;
}
