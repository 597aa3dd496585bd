// The phone page, end to end: a real `dropify --headless`, Debian's
// Chromium at a phone's size, driven by playwright-core. Run by
// run-e2e.sh, which installs playwright-core and sets:
//   DROPIFY_BIN            the dropify binary (meson's test env)
//   DROPIFY_E2E_MODULES    where playwright-core is installed
//   DROPIFY_E2E_WORK       a scratch dir in the build dir (screenshots go here)
//   DROPIFY_CHROMIUM       /usr/bin/chromium
// DROPIFY_SCREENSHOTS=DIR saves the screenshots there instead, such as
// data/screenshots. Only loopback is used: the URL's host is swapped for
// 127.0.0.1.

import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';

const require = createRequire(path.join(process.env.DROPIFY_E2E_MODULES, 'x.js'));
const { chromium } = require('playwright-core');

const BIN = process.env.DROPIFY_BIN;
const WORK = process.env.DROPIFY_E2E_WORK;
const SHOTS = process.env.DROPIFY_SCREENSHOTS || path.join(WORK, 'screenshots');
// 6 in a sanitizer build, whose server is that much slower.
const SLOW = Number(process.env.DROPIFY_TEST_SLOW || 1);
const ANDROID_UA = 'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 ' +
  '(KHTML, like Gecko) Chrome/126.0.0.0 Mobile Safari/537.36';
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic',
  '--no-first-run', '--disable-background-networking', '--disable-component-update',
  '--disable-sync',
  // A name for loopback, so the page is what it is on a phone: not a secure
  // context (http://127.0.0.1 would count as one), yet nothing leaves lo.
  '--host-resolver-rules=MAP phone.test 127.0.0.1'];

assert.ok(BIN, 'DROPIFY_BIN is not set: run this through meson test');

// Shared with the laptop that the "Send to" picker offers.
const GROUP_SECRET = 'e2e-send-to';
// A name that would run script if a page took it for HTML.
const LAPTOP_NAME = '<img src=x onerror="window.pwned=1">Laptop';

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'dropify-e2e-'));
const filesDir = fs.mkdtempSync(path.join(os.tmpdir(), 'dropify-e2e-files-'));
let instance = null;
let browser = null;
let step = 0;

function log (message) {
  console.log(`# ${message}`);
}

async function check (name, body) {
  step++;
  const started = Date.now();
  await body();
  console.log(`ok ${step} - ${name} (${Date.now() - started} ms)`);
}

function dropify (...args) {
  return execFileSync(BIN, [...args, '--data-dir', dataDir], { encoding: 'utf8' });
}

function list () {
  return JSON.parse(dropify('list', '--json'));
}

// Deletes the drops with these texts or names, everywhere.
function forget (what) {
  const ids = list().filter((d) => what.includes(d.text) || what.includes(d.name)).map((d) => d.id);
  if (ids.length) dropify('delete', ...ids);
}

function sha256 (file) {
  return createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

function sleep (ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function startInstance () {
  const logFile = fs.openSync(`${dataDir}.log`, 'a');
  instance = spawn(BIN, ['--headless', '--port', '0', '--no-discovery', '--name', 'Workstation',
    '--group-secret', GROUP_SECRET, '--data-dir', dataDir], { stdio: ['ignore', 'ignore', logFile] });
  for (let i = 0; i < 100; i++) {
    try {
      return dropify('url').trim();
    } catch (e) {
      await sleep(100);
    }
  }
  throw new Error('dropify --headless did not answer within 10 s');
}

async function stopInstance () {
  if (!instance || instance.exitCode !== null) return;
  const exited = new Promise((resolve) => instance.once('exit', resolve));
  instance.kill('SIGTERM');
  await exited;
}

// The page on loopback, whatever address `dropify url` chose.
function local (url) {
  const match = /^http:\/\/(?:[0-9.]+|\[[0-9a-f:]+\]):(\d+)\/#([A-Za-z0-9_-]{22,})$/.exec(url);
  assert.ok(match, `unexpected URL: ${url}`);
  return { url: `http://phone.test:${match[1]}/#${match[2]}`, port: match[1], token: match[2] };
}

async function newPage (options = {}) {
  const context = await browser.newContext({
    viewport: { width: 390, height: 844 },
    deviceScaleFactor: 2,
    isMobile: true,
    hasTouch: true,
    userAgent: ANDROID_UA,
    colorScheme: 'light',
    acceptDownloads: true,
    ...options,
  });
  const page = await context.newPage();
  page.problems = [];
  page.dialogs = 0;
  page.on('dialog', (dialog) => { page.dialogs++; dialog.dismiss(); });
  page.on('pageerror', (error) => page.problems.push(`page error: ${error.message}`));
  page.on('console', (message) => {
    // A CSP violation would mean the page relies on something inline.
    if (message.type() === 'error' && /Content.Security.Policy/i.test(message.text())) {
      page.problems.push(`CSP: ${message.text()}`);
    }
  });
  return page;
}

// WCAG's contrast ratio of two computed `rgb(…)`/`rgba(…)` colours; a
// translucent background is laid over the page's own.
function contrast (fg, bg, base) {
  const parse = (c) => c.match(/[\d.]+/g).map(Number);
  const over = (top, under) => {
    const a = top.length > 3 ? top[3] : 1;
    return top.slice(0, 3).map((v, i) => v * a + under[i] * (1 - a));
  };
  const lum = (rgb) => {
    const [r, g, b] = rgb.map((v) => {
      v /= 255;
      return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const back = over(parse(bg), parse(base));
  const [hi, lo] = [lum(over(parse(fg), back)), lum(back)].sort((a, b) => b - a);
  return (hi + 0.05) / (lo + 0.05);
}

// A sunset-coloured gradient as a PNG, made here: RGB rows, each after a
// filter byte of 0, deflated, in chunks with their CRC-32.
function gradientPng (width, height) {
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    for (let k = 0; k < 8; k++) n = n & 1 ? 0xedb88320 ^ (n >>> 1) : n >>> 1;
    return n >>> 0;
  });
  const crc = (bytes) => {
    let c = 0xffffffff;
    for (const b of bytes) c = crcTable[(c ^ b) & 0xff] ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type, data) => {
    const body = Buffer.concat([Buffer.from(type), data]);
    const out = Buffer.alloc(body.length + 8);
    out.writeUInt32BE(data.length, 0);
    body.copy(out, 4);
    out.writeUInt32BE(crc(body), body.length + 4);
    return out;
  };
  const rows = Buffer.alloc(height * (width * 3 + 1));
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const p = y * (width * 3 + 1) + 1 + x * 3;
      rows[p] = 255;
      rows[p + 1] = 80 + Math.floor(y * 120 / height);
      rows[p + 2] = 40 + Math.floor(x * 100 / width);
    }
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8;
  header[9] = 2;
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header), chunk('IDAT', zlib.deflateSync(rows)), chunk('IEND', Buffer.alloc(0))]);
}

function card (page, text) {
  return page.locator('.drop', { hasText: text });
}

async function main () {
  // A 1 MB limit, to see the page refuse a larger file itself.
  fs.writeFileSync(path.join(dataDir, 'settings.ini'), '[dropify]\nmax-file-size=uint64 1000000\n');
  const first = local(await startInstance());
  fs.mkdirSync(SHOTS, { recursive: true });

  browser = await chromium.launch({
    executablePath: process.env.DROPIFY_CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: CHROMIUM_ARGS,
  });
  log(`Chromium ${browser.version()}`);

  const page = await newPage();

  await check('the page opens with its token and goes live', async () => {
    await page.goto(first.url);
    await page.locator('#status', { hasText: 'Live' }).waitFor({ timeout: 5000 });
    assert.equal(await page.locator('#device').textContent(), 'Connected to Workstation');
    assert.ok(await page.locator('#empty').isVisible());
  });

  await check('the layout fits a 390 px screen', async () => {
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(overflow <= 390, `the page is ${overflow} px wide`);
    for (const id of ['#attach', '#send']) {
      const box = await page.locator(id).boundingBox();
      assert.ok(box.width >= 44 && box.height >= 44, `${id} is a small target: ${JSON.stringify(box)}`);
    }
    assert.equal(await page.locator('#text').getAttribute('placeholder'), 'Write a drop…');
    assert.equal(await page.locator('#attach').getAttribute('aria-label'), 'Send files');
  });

  await check('a text sent from the page is a drop from the phone', async () => {
    const text = 'Remember to pick up:\n- oat milk\n- coffee beans';
    await page.locator('#text').fill(text);
    await page.locator('#send').click();
    await card(page, 'oat milk').waitFor();
    await page.locator('#toast', { hasText: 'Sent' }).waitFor();
    assert.equal(await page.locator('#text').inputValue(), '');
    const drop = list().find((d) => d.text === text);
    assert.ok(drop, 'dropify list --json does not have the text');
    assert.equal(drop.kind, 'text');
    assert.equal(drop.origin_name, 'Phone (Android)');
    assert.match(drop.origin, /^[0-9a-f-]{36}$/);
  });

  await check('an uploaded file arrives whole', async () => {
    const file = path.join(filesDir, 'Boarding pass.pdf');
    fs.writeFileSync(file, randomBytes(180 * 1000));
    await page.locator('#files').setInputFiles(file);
    await card(page, 'Boarding pass.pdf').waitFor();
    const drop = list().find((d) => d.name === 'Boarding pass.pdf');
    assert.ok(drop, 'dropify list --json does not have the file');
    assert.equal(drop.sha256, sha256(file));
    assert.equal(drop.complete, true);
    assert.equal(sha256(drop.path), sha256(file));
    assert.equal(drop.origin_name, 'Phone (Android)');
  });

  await check('several files go one after the other, with progress', async () => {
    const names = ['notes.txt', 'photo.jpg'];
    const files = names.map((name, i) => {
      const file = path.join(filesDir, name);
      fs.writeFileSync(file, randomBytes(200 * 1000 + i));
      return file;
    });
    await page.locator('#files').setInputFiles(files);
    for (const name of names) await card(page, name).waitFor();
    await page.locator('#toast', { hasText: '2 files sent' }).waitFor();
    await page.locator('#upload').waitFor({ state: 'hidden' });
    const stored = list();
    for (const file of files) {
      assert.ok(stored.find((d) => d.sha256 === sha256(file)), `${file} is missing`);
    }
  });

  await check('an upload cut midway resumes from where it stopped and makes one drop', async () => {
    const name = 'Holiday video.mp4';
    const file = path.join(filesDir, name);
    const bytes = randomBytes(900 * 1000);
    const sent = 400 * 1000;
    const ranges = [];
    fs.writeFileSync(file, bytes);
    const onRequest = (request) => {
      if (request.method() === 'PUT') ranges.push(request.headers()['content-range']);
    };
    page.on('request', onRequest);
    // The first PUT reaches the computer on a connection of its own, which
    // drops after 400 kB as a Wi-Fi hiccup would; the page sees it fail.
    await page.route('**/api/uploads/*', async (route) => {
      const request = route.request();
      if (request.method() !== 'PUT' || ranges.length > 1) return route.continue();
      const headers = request.headers();
      await new Promise((resolve, reject) => {
        const socket = net.connect(Number(first.port), '127.0.0.1', () => {
          socket.write(`PUT ${new URL(request.url()).pathname} HTTP/1.1\r\nHost: 127.0.0.1\r\n` +
            `Authorization: ${headers.authorization}\r\nUser-Agent: ${ANDROID_UA}\r\n` +
            `X-Filename: ${headers['x-filename']}\r\nContent-Range: ${headers['content-range']}\r\n` +
            `Content-Length: ${bytes.length}\r\n\r\n`);
          socket.write(bytes.subarray(0, sent), () => setTimeout(() => {
            socket.destroy();
            resolve();
          }, 300));
        });
        socket.on('error', reject);
      });
      await route.abort('connectionreset');
    });
    await page.locator('#files').setInputFiles(file);
    await card(page, name).waitFor({ timeout: 15000 * SLOW });
    await page.locator('#upload').waitFor({ state: 'hidden' });
    await page.unroute('**/api/uploads/*');
    page.off('request', onRequest);
    log(`Content-Range of each PUT: ${ranges.join(', ')}`);
    assert.equal(ranges[0], `bytes 0-${bytes.length - 1}/${bytes.length}`);
    assert.equal(ranges.at(-1), `bytes ${sent}-${bytes.length - 1}/${bytes.length}`,
      'the page did not go on from the offset the computer had');
    const made = list().filter((d) => d.name === name);
    assert.equal(made.length, 1, `${made.length} drops for one upload`);
    assert.equal(made[0].sha256, createHash('sha256').update(bytes).digest('hex'));
    assert.equal(sha256(made[0].path), made[0].sha256);
    assert.equal(await card(page, name).count(), 1);
    assert.deepEqual(page.problems, []);
  });

  await check('an upload that hangs is given up and goes on, taking over from the quiet connection', async () => {
    const name = 'Lecture.m4a';
    const file = path.join(filesDir, name);
    const bytes = randomBytes(800 * 1000);
    const sent = 300 * 1000;
    const ranges = [];
    let quiet = null;
    fs.writeFileSync(file, bytes);
    const onRequest = (request) => {
      if (request.method() === 'PUT') ranges.push(request.headers()['content-range']);
    };
    page.on('request', onRequest);
    // The first PUT's connection delivers 300 kB, then neither sends nor
    // closes, as when a phone walks out of the Wi-Fi's reach; the page's
    // request hangs without an error.
    await page.route('**/api/uploads/*', async (route) => {
      const request = route.request();
      if (request.method() !== 'PUT' || ranges.length > 1) return route.continue();
      const headers = request.headers();
      quiet = net.connect(Number(first.port), '127.0.0.1', () => {
        quiet.write(`PUT ${new URL(request.url()).pathname} HTTP/1.1\r\nHost: 127.0.0.1\r\n` +
          `Authorization: ${headers.authorization}\r\nUser-Agent: ${ANDROID_UA}\r\n` +
          `X-Filename: ${headers['x-filename']}\r\nContent-Range: ${headers['content-range']}\r\n` +
          `Content-Length: ${bytes.length}\r\n\r\n`);
        quiet.write(bytes.subarray(0, sent));
      });
      quiet.on('error', () => {});
    });
    const started = Date.now();
    await page.locator('#files').setInputFiles(file);
    await card(page, name).waitFor({ timeout: 30000 * SLOW });
    log(`resumed and stored ${Date.now() - started} ms after it started`);
    await page.locator('#upload').waitFor({ state: 'hidden' });
    await page.unroute('**/api/uploads/*');
    page.off('request', onRequest);
    quiet.destroy();
    log(`Content-Range of each PUT: ${ranges.join(', ')}`);
    assert.equal(ranges.at(-1), `bytes ${sent}-${bytes.length - 1}/${bytes.length}`);
    const made = list().filter((d) => d.name === name);
    assert.equal(made.length, 1, `${made.length} drops for one upload`);
    assert.equal(made[0].sha256, createHash('sha256').update(bytes).digest('hex'));
    assert.deepEqual(page.problems, []);
  });

  await check('a drop made on the desktop shows up live within a second', async () => {
    dropify('send', 'https://gitlab.gnome.org/GNOME/libadwaita/-/merge_requests/1234');
    const started = Date.now();
    dropify('send', 'The door code is 4711#');
    await card(page, 'The door code is 4711#').waitFor({ timeout: 1000 });
    log(`shown ${Date.now() - started} ms after dropify send returned`);
    const first = page.locator('.drop').first();
    assert.match(await first.textContent(), /The door code/, 'the newest drop is not on top');
    assert.match(await first.textContent(), /From Workstation/);
    assert.match(await first.textContent(), /Expires in 24 hours/);
  });

  await check('an arriving file shows progress, and a reconnect shows it complete', async () => {
    // A file from another device, put into what the computer sends: the
    // first connection has it arriving, the one after a drop complete.
    const phone = await newPage();
    const sockets = [];
    const id = 'f00dcafe-0000-4000-8000-000000000001';
    const file = { id, kind: 'file', origin: 'a-laptop', origin_name: 'Laptop', created_at: Date.now(),
      expires_at: Date.now() + 3600000, name: 'Holiday.mkv', mime: 'video/x-matroska',
      size: 1500000000, sha256: '0'.repeat(64), complete: false, received: 26000000 };
    await phone.routeWebSocket(/\/api\/live$/, (socket) => {
      const server = socket.connectToServer();
      const first = sockets.push(socket) === 1;
      server.onMessage((message) => {
        const event = JSON.parse(message);
        if (event.type === 'snapshot') {
          event.drops.unshift(first ? file
            : { ...file, complete: true, url: `/api/drops/${id}/file?sig=0` });
        }
        socket.send(JSON.stringify(event));
      });
    });
    await phone.goto(first.url);
    const arriving = card(phone, 'Holiday.mkv');
    await arriving.locator('.arriving', { hasText: 'arriving, 1%' }).waitFor();
    sockets[0].send(JSON.stringify({ type: 'progress', id, received: 750000000 }));
    await arriving.locator('.arriving', { hasText: 'arriving, 50%' }).waitFor({ timeout: 1000 });
    assert.equal(await arriving.locator('a.action').getAttribute('aria-disabled'), 'true');
    await phone.screenshot({ path: path.join(SHOTS, 'phone-page-arriving.png') });
    // The phone slept through the end of it.
    await sockets[0].close();
    await phone.locator('#status', { hasText: 'Live' }).waitFor();
    await arriving.locator('.arriving').waitFor({ state: 'detached', timeout: 5000 });
    const link = arriving.getByRole('link', { name: 'Download Holiday.mkv' });
    assert.equal(await link.getAttribute('href'), `/api/drops/${id}/file?sig=0`);
    assert.equal(await link.getAttribute('aria-disabled'), null);
    await phone.context().close();
  });

  await check('screenshots, light and dark', async () => {
    await page.locator('#toast').waitFor({ state: 'hidden', timeout: 5000 });
    await page.screenshot({ path: path.join(SHOTS, 'phone-page.png') });
    const dark = await newPage({ colorScheme: 'dark' });
    await dark.goto(first.url);
    await dark.locator('#status', { hasText: 'Live' }).waitFor();
    await card(dark, 'The door code').waitFor();
    await dark.screenshot({ path: path.join(SHOTS, 'phone-page-dark.png') });
    const background = await dark.evaluate(() => getComputedStyle(document.body).backgroundColor);
    assert.equal(background, 'rgb(36, 36, 36)', 'prefers-color-scheme: dark is not followed');
    // Toasts are readable in both schemes.
    for (const scheme of [page, dark]) {
      await card(scheme, 'The door code').getByRole('button', { name: 'Copy the text' }).click();
      const toast = scheme.locator('#toast', { hasText: 'Copied' });
      await toast.waitFor();
      const colours = await toast.evaluate((node) => [getComputedStyle(node).color,
        getComputedStyle(node).backgroundColor, getComputedStyle(document.body).backgroundColor]);
      const ratio = contrast(...colours);
      if (scheme === dark) await dark.screenshot({ path: path.join(SHOTS, 'phone-page-dark-toast.png') });
      assert.ok(ratio >= 4.5, `the toast's contrast is ${ratio.toFixed(2)}: ${colours.join(' on ')}`);
    }
    await dark.context().close();
    log(`screenshots in ${SHOTS}`);
  });

  await check('the "Send to" picker sends a text and a file to the laptop only, then to two devices', async () => {
    const laptopDir = fs.mkdtempSync(path.join(os.tmpdir(), 'dropify-e2e-laptop-'));
    const laptopLog = fs.openSync(`${laptopDir}.log`, 'a');
    const laptop = spawn(BIN, ['--headless', '--port', '0', '--no-discovery', '--name', LAPTOP_NAME,
      '--group-secret', GROUP_SECRET, '--connect', `127.0.0.1:${first.port}`, '--data-dir', laptopDir],
    { stdio: ['ignore', 'ignore', laptopLog] });
    const onLaptop = () => JSON.parse(execFileSync(BIN, ['list', '--json', '--data-dir', laptopDir],
      { encoding: 'utf8' }));
    const phone = await newPage();
    try {
      let peer = null;
      for (let i = 0; i < 100 * SLOW && !peer; i++) {
        peer = JSON.parse(dropify('peers', '--json')).find((p) => p.trusted && p.connected);
        if (!peer) await sleep(100);
      }
      assert.ok(peer, 'the laptop never became a trusted, connected peer');
      const devices = await fetch(`http://127.0.0.1:${first.port}/api/devices`,
        { headers: { Authorization: `Bearer ${first.token}` } });
      const here = (await devices.json()).find((d) => d.this);
      const self = here.id;

      const loaded = [];
      phone.on('request', (request) => loaded.push(new URL(request.url()).pathname));
      await phone.goto(first.url);
      await phone.locator('#status', { hasText: 'Live' }).waitFor();
      const button = phone.locator('#to');
      assert.equal(await button.textContent(), 'To all devices');
      assert.ok(!loaded.includes('/picker.js') && !loaded.includes('/picker.css'),
        'the picker is part of the first load');

      // Keyboard only: open, move to the laptop, and confirm.
      await button.focus();
      await phone.keyboard.press('Enter');
      const dialog = phone.getByRole('dialog', { name: 'Send to' });
      await dialog.waitFor();
      assert.ok(loaded.includes('/picker.js') && loaded.includes('/picker.css'));
      const boxes = dialog.getByRole('checkbox');
      const allBox = dialog.getByRole('checkbox', { name: /^All devices/ });
      assert.equal(await boxes.count(), 3);
      assert.ok(await allBox.isChecked());
      assert.ok(await allBox.evaluate((n) => n === document.activeElement));
      // The laptop's name is text: no <img>, nothing run.
      const laptopBox = dialog.getByRole('checkbox', { name: LAPTOP_NAME, exact: false });
      assert.equal(await laptopBox.count(), 1);
      assert.equal(await dialog.locator('img').count(), 0);
      assert.equal(await dialog.locator('.choice-name').nth(2).textContent(), LAPTOP_NAME);
      assert.equal(await phone.evaluate(() => window.pwned), undefined);
      // Ticking a device unticks "All devices".
      await phone.keyboard.press('Tab');
      await phone.keyboard.press('Tab');
      await phone.keyboard.press('Space');
      assert.ok(await laptopBox.isChecked());
      assert.ok(!(await allBox.isChecked()));
      await phone.keyboard.press('Tab');
      await phone.keyboard.press('Tab');
      await phone.keyboard.press('Enter');
      await dialog.waitFor({ state: 'hidden' });
      assert.equal(await button.textContent(), `To ${LAPTOP_NAME}`);
      assert.equal(await button.evaluate((n) => n === document.activeElement), true,
        'focus does not go back to the button');

      // Opened again, it shows the choice; light and dark, for the record.
      // A tap where the button is seen: on this long page, locator.click()
      // keeps reporting the sticky composer over the button, which
      // elementFromPoint() does not.
      const tap = async () => {
        const box = await button.boundingBox();
        await phone.mouse.click(box.x + box.width / 2, box.y + box.height / 2);
      };
      await tap();
      await dialog.waitFor();
      assert.ok(await laptopBox.isChecked());
      await phone.screenshot({ path: path.join(SHOTS, 'phone-page-picker.png') });
      await phone.emulateMedia({ colorScheme: 'dark' });
      await phone.screenshot({ path: path.join(SHOTS, 'phone-page-picker-dark.png') });
      const colours = await dialog.locator('.choice-detail').first().evaluate((node) => [
        getComputedStyle(node).color, getComputedStyle(node.closest('dialog')).backgroundColor,
        getComputedStyle(document.body).backgroundColor]);
      assert.ok(contrast(...colours) >= 4.5, `a choice's detail is hard to read: ${colours.join(' on ')}`);
      await phone.emulateMedia({ colorScheme: 'light' });
      await phone.keyboard.press('Escape');
      await dialog.waitFor({ state: 'hidden' });
      assert.equal(await button.textContent(), `To ${LAPTOP_NAME}`);

      const expected = [peer.id, self].sort();
      await phone.locator('#text').fill('The spare key is under the plant');
      await phone.locator('#send').click();
      await card(phone, 'The spare key').waitFor();
      const text = list().find((d) => d.text === 'The spare key is under the plant');
      assert.deepEqual([...text.audience].sort(), expected);
      // Its card says who it is for, the name as text.
      assert.ok((await card(phone, 'The spare key').locator('.meta').textContent()).includes(`To ${LAPTOP_NAME}`));
      assert.equal(await card(phone, 'The spare key').locator('img').count(), 0);

      const file = path.join(filesDir, 'Lease.pdf');
      fs.writeFileSync(file, randomBytes(50 * 1000));
      await phone.locator('#files').setInputFiles(file);
      await card(phone, 'Lease.pdf').waitFor();
      const lease = list().find((d) => d.name === 'Lease.pdf');
      assert.deepEqual([...lease.audience].sort(), expected);
      for (let i = 0; i < 100 * SLOW; i++) {
        const there = onLaptop();
        if (there.some((d) => d.id === text.id) && there.some((d) => d.id === lease.id && d.complete)) break;
        await sleep(100);
      }
      assert.ok(onLaptop().some((d) => d.id === lease.id && d.complete), 'the laptop did not get the file');

      // A drop this computer sent to the laptop alone is not listed here.
      dropify('send', '--to', peer.id, 'Only for the laptop, from the desk');
      dropify('send', 'For everyone, after it');
      await card(phone, 'For everyone, after it').waitFor();
      assert.equal(await card(phone, 'Only for the laptop').count(), 0);

      // Two devices: the laptop and this computer, both sent in the audience.
      await tap();
      await dialog.waitFor();
      await dialog.getByRole('checkbox', { name: new RegExp(`^${here.name} `) }).click();
      assert.ok(await laptopBox.isChecked());
      await dialog.getByRole('button', { name: 'Done' }).click();
      await dialog.waitFor({ state: 'hidden' });
      assert.equal(await button.textContent(), `To ${here.name} and ${LAPTOP_NAME}`);
      const posted = phone.waitForRequest((r) => r.method() === 'POST' && r.url().endsWith('/api/drops'));
      await phone.locator('#text').fill('Both of us need the wifi code');
      await phone.locator('#send').click();
      assert.deepEqual([...JSON.parse((await posted).postData()).audience].sort(), expected);
      await card(phone, 'Both of us need').waitFor();
      assert.deepEqual([...list().find((d) => d.text === 'Both of us need the wifi code').audience].sort(),
        expected);

      // The choice lasts the session: a reload keeps it.
      await phone.reload();
      await phone.locator('#status', { hasText: 'Live' }).waitFor();
      await phone.locator('#to', { hasText: `${here.name} and ${LAPTOP_NAME}` }).waitFor();
      await card(phone, 'The spare key').waitFor();

      // Back to all devices, by touch.
      await tap();
      await dialog.getByText('All devices').click();
      assert.ok(!(await laptopBox.isChecked()), '"All devices" leaves the laptop ticked');
      await dialog.getByRole('button', { name: 'Done' }).click();
      await dialog.waitFor({ state: 'hidden' });
      assert.equal(await button.textContent(), 'To all devices');
      await phone.locator('#text').fill('Dinner at eight');
      await phone.locator('#send').click();
      await card(phone, 'Dinner at eight').waitFor();
      assert.equal((list().find((d) => d.text === 'Dinner at eight').audience || []).length, 0);
      assert.deepEqual(phone.problems, []);
    } finally {
      await phone.context().close();
      const exited = new Promise((resolve) => laptop.once('exit', resolve));
      laptop.kill('SIGTERM');
      await exited;
      fs.rmSync(laptopDir, { recursive: true, force: true });
      fs.rmSync(`${laptopDir}.log`, { force: true });
    }
    forget(['The spare key is under the plant', 'Lease.pdf', 'Only for the laptop, from the desk',
      'For everyone, after it', 'Both of us need the wifi code', 'Dinner at eight']);
  });

  await check('an image dropped on the desktop shows its thumbnail, not the image', async () => {
    const image = path.join(filesDir, 'Sunset over the lake.png');
    fs.writeFileSync(image, gradientPng(1600, 1000));
    dropify('send', '--file', image);
    const thumb = card(page, 'Sunset over the lake.png').locator('img.thumb');
    await thumb.waitFor({ timeout: 10000 * SLOW });
    await page.waitForFunction((img) => img.complete && img.naturalWidth > 0, await thumb.elementHandle());
    const [width, height, alt, loading, src] = await thumb.evaluate((img) =>
      [img.naturalWidth, img.naturalHeight, img.alt, img.loading, img.getAttribute('src')]);
    assert.ok(width <= 256 && height <= 256, `the thumbnail is ${width}×${height}`);
    assert.equal(alt, '');
    assert.equal(loading, 'lazy');
    assert.match(src, /^\/api\/drops\/[0-9a-f-]+\/thumbnail\?sig=[0-9a-f]+$/);
    await page.locator('#toast').waitFor({ state: 'hidden', timeout: 5000 });
    await sleep(400);
    await page.screenshot({ path: path.join(SHOTS, 'phone-page-thumbnail.png') });
    assert.deepEqual(page.problems, []);

    // The same page in a desktop browser: one readable column, centred,
    // with no sideways scrolling.
    const desktop = await newPage({ viewport: { width: 1280, height: 800 }, deviceScaleFactor: 1,
      isMobile: false, hasTouch: false,
      userAgent: 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36' });
    await desktop.goto(first.url);
    await card(desktop, 'Sunset over the lake.png').locator('img.thumb').waitFor({ timeout: 10000 * SLOW });
    const [scrollWidth, column, left] = await desktop.evaluate(() => {
      const box = document.getElementById('main').getBoundingClientRect();
      return [document.documentElement.scrollWidth, box.width, box.left];
    });
    assert.ok(scrollWidth <= 1280, `the page is ${scrollWidth} px wide`);
    assert.ok(column <= 700, `the column is ${column} px wide`);
    assert.ok(Math.abs(left - (1280 - column) / 2) < 24, `the column starts at ${left} px`);
    await sleep(400);
    await desktop.screenshot({ path: path.join(SHOTS, 'phone-page-desktop.png') });
    assert.deepEqual(desktop.problems, []);
    await desktop.context().close();
  });

  await check('files and texts dropped on the page, and files pasted, are sent', async () => {
    // Dragging from outside the browser cannot be driven, so the events
    // are made here, as a desktop browser fires them.
    const drag = (where, types, files) => page.evaluate(async ([where, types, files]) => {
      const data = new DataTransfer();
      for (const [name, content] of files) data.items.add(new File([content], name));
      if (types.text) data.setData('text/plain', types.text);
      const target = document.querySelector(where);
      const fire = (type) => {
        const event = new DragEvent(type, { dataTransfer: data, bubbles: true, cancelable: true });
        target.dispatchEvent(event);
        return event.defaultPrevented;
      };
      const entered = fire('dragenter');
      const shown = !document.getElementById('dropzone').hidden;
      const announced = document.getElementById('toast').textContent;
      const over = fire('dragover');
      if (types.leave) {
        fire('dragleave');
        return { entered, shown, announced, over, after: !document.getElementById('dropzone').hidden };
      }
      const dropped = fire('drop');
      return { entered, shown, announced, over, dropped, after: !document.getElementById('dropzone').hidden };
    }, [where, types, files]);

    // Feedback while dragging, said to a screen reader by the live
    // region, and gone when the drag leaves.
    const left = await drag('#main', { leave: true }, [['ticket.pdf', 'x']]);
    assert.deepEqual(left, { entered: true, shown: true, announced: 'Drop to send to Workstation',
      over: true, after: false });

    const file = await drag('#main', {}, [['Dropped notes.txt', 'dropped on the page']]);
    assert.deepEqual(file, { entered: true, shown: true, announced: 'Drop to send to Workstation',
      over: true, dropped: true, after: false });
    await card(page, 'Dropped notes.txt').waitFor();
    await page.locator('#toast', { hasText: 'File sent' }).waitFor();
    const stored = list().find((d) => d.name === 'Dropped notes.txt');
    assert.ok(stored && stored.complete, 'the dropped file is not stored');
    assert.equal(fs.readFileSync(stored.path, 'utf8'), 'dropped on the page');

    const text = await drag('.drops', { text: 'A line dragged from another window' }, []);
    assert.ok(text.dropped);
    await card(page, 'A line dragged from another window').waitFor();
    assert.ok(list().some((d) => d.text === 'A line dragged from another window'));

    // A text dropped on the composer is editing: the browser puts it there.
    const editing = await drag('#text', { text: 'into the box' }, []);
    assert.equal(editing.dropped, false);

    // A pasted image goes like a picked file; pasted text is left alone.
    const paste = (where, files, text) => page.evaluate(([where, files, text]) => {
      const data = new DataTransfer();
      for (const [name, content] of files) data.items.add(new File([content], name, { type: 'image/png' }));
      if (text) data.setData('text/plain', text);
      const event = new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true });
      document.querySelector(where).dispatchEvent(event);
      return event.defaultPrevented;
    }, [where, files, text]);
    assert.equal(await paste('#text', [], 'pasted words'), false);
    assert.equal(await paste('body', [['Screenshot.png', 'not really a PNG']]), true);
    await card(page, 'Screenshot.png').waitFor();
    await page.locator('#toast', { hasText: 'File sent' }).waitFor();
    assert.ok(list().some((d) => d.name === 'Screenshot.png' && d.complete));
    assert.equal(await page.locator('#text').inputValue(), '');
    // The checks below see the history as it was.
    forget(['Dropped notes.txt', 'A line dragged from another window', 'Screenshot.png']);
    await card(page, 'Screenshot.png').waitFor({ state: 'detached' });
  });

  await check('the phone chooses its own name, which its drops carry everywhere', async () => {
    const name = page.locator('#name');
    // Each name is answered before the next is typed: the page keeps a
    // name typed meanwhile, and Enter on it again would change nothing.
    const rename = async (value) => {
      await name.fill(value);
      await Promise.all([
        page.waitForResponse((r) => r.url().endsWith('/api/name') && r.request().method() === 'PUT'),
        name.press('Enter'),
      ]);
    };
    assert.equal(await name.inputValue(), 'Phone (Android)');
    await rename('  Anna’s Pixel ');
    await page.waitForFunction(() => document.getElementById('name').value === 'Anna’s Pixel');
    await page.locator('#text').fill('Sent under a name of its own');
    await page.locator('#send').click();
    await card(page, 'Sent under a name of its own').locator('bdi', { hasText: 'Anna’s Pixel' }).waitFor();
    assert.equal(list().find((d) => d.text === 'Sent under a name of its own').origin_name, 'Anna’s Pixel');

    // Markup in a name is text, on the page as everywhere.
    await rename('<img src=x onerror=alert(1)>Anna');
    await page.waitForFunction(() => document.getElementById('name').value.endsWith('>Anna'));
    await page.locator('#text').fill('Sent under markup');
    await page.locator('#send').click();
    const marked = card(page, 'Sent under markup');
    assert.equal(await marked.locator('bdi').textContent(), '<img src=x onerror=alert(1)>Anna');
    assert.equal(await marked.locator('img').count(), 0);
    assert.equal(page.dialogs, 0);
    forget(['Sent under markup']);
    await rename('Anna’s Pixel');
    await page.waitForFunction(() => document.getElementById('name').value === 'Anna’s Pixel');

    // Refused with the computer's reason, and the name stays.
    await rename('evil\u202Etxt.exe');
    await page.locator('#toast', { hasText: 'The name cannot have control or text direction characters' }).waitFor();
    assert.equal(await name.inputValue(), 'Anna’s Pixel');
    // A name typed while the last one is on its way is kept, not
    // overwritten by the answer.
    await page.route('**/api/name', async (route) => {
      await sleep(300);
      await route.continue();
    });
    await name.fill('First');
    const answered = page.waitForResponse((r) => r.url().endsWith('/api/name'));
    await name.press('Enter');
    await name.fill('Second, still typing');
    await answered;
    await sleep(100);
    assert.equal(await name.inputValue(), 'Second, still typing');
    await page.unroute('**/api/name');
    await rename('Anna’s Pixel');
    await name.fill('x'.repeat(64) + '✓');
    assert.equal((await name.inputValue()).length, 64, 'the field takes more than 64 characters');

    // A computer that restarted (here: that forgot it) is told again.
    const { port, token } = local(dropify('url').trim());
    const reset = await fetch(`http://127.0.0.1:${port}/api/name`, {
      method: 'PUT',
      headers: { Authorization: `Bearer ${token}`, 'User-Agent': ANDROID_UA },
      body: JSON.stringify({ name: '' }),
    });
    assert.equal((await reset.json()).name, 'Phone (Android)');
    await page.reload();
    await page.locator('#status', { hasText: 'Live' }).waitFor();
    await page.waitForFunction(() => document.getElementById('name').value === 'Anna’s Pixel');
    await page.locator('#text').fill('Named again after a restart');
    await page.locator('#send').click();
    await card(page, 'Named again after a restart').waitFor();
    assert.equal(list().find((d) => d.text === 'Named again after a restart').origin_name, 'Anna’s Pixel');

    // Emptied, it is the browser's name again, and the checks below see
    // the history as it was.
    await name.fill('');
    await name.press('Enter');
    await page.waitForFunction(() => document.getElementById('name').value === 'Phone (Android)');
    forget(['Sent under a name of its own', 'Named again after a restart']);
    await card(page, 'Named again after a restart').waitFor({ state: 'detached' });
    assert.deepEqual(page.problems, []);
  });

  await check('each card says when it was sent: the time today, the date before', async () => {
    const created = list().find((d) => d.kind === 'text' && d.text.includes('The door code')).created_at;
    const year = String(new Date(created).getFullYear());
    const time = card(page, 'The door code').locator('time');
    assert.equal(await time.getAttribute('datetime'), new Date(created).toISOString());
    const today = await time.textContent();
    assert.match(today, /^\d{1,2}[:.]\d{2}/);
    assert.ok(!today.includes(year), `today's drop shows ${today}`);
    assert.match(await time.getAttribute('title'), new RegExp(`^Sent .*${year}`));
    // Seen two days later, it shows its date.
    const later = await newPage();
    await later.clock.setFixedTime(created + 2 * 86400000);
    await later.goto(first.url);
    const date = card(later, 'The door code').locator('time');
    await date.waitFor();
    assert.ok((await date.textContent()).includes(year), `an older drop shows ${await date.textContent()}`);
    assert.deepEqual(later.problems, []);
    await later.context().close();
  });

  await check('at midnight, a card’s time of the day before turns into its date', async () => {
    const created = list().find((d) => d.kind === 'text' && d.text.includes('The door code')).created_at;
    const year = String(new Date(created).getFullYear());
    const day = new Date(created);
    const phone = await newPage();
    // The page opens ten seconds before the end of the drop's day.
    await phone.clock.install({
      time: new Date(day.getFullYear(), day.getMonth(), day.getDate(), 23, 59, 50).getTime(),
    });
    await phone.goto(first.url);
    const time = card(phone, 'The door code').locator('time');
    await time.waitFor();
    const before = await time.textContent();
    assert.ok(!before.includes(year), `before midnight it shows ${before}`);
    // The same node is changed, not a card drawn again.
    await time.evaluate((node) => { node.dataset.seen = 'before midnight'; });
    await phone.clock.fastForward(15000);
    await phone.waitForFunction((y) => document.querySelector('time[data-seen]')?.textContent.includes(y),
      year, { timeout: 5000 });
    assert.deepEqual(phone.problems, []);
    await phone.context().close();
  });

  await check('drops that arrive while the page is hidden are counted in its title', async () => {
    const phone = await newPage();
    // Headless, a page is never hidden: say it is, as a phone does when
    // another app is in front.
    await phone.addInitScript(() => {
      Object.defineProperty(document, 'hidden', { get: () => Boolean(window.away) });
      Object.defineProperty(document, 'visibilityState', { get: () => (window.away ? 'hidden' : 'visible') });
    });
    const away = (hidden) => phone.evaluate((hidden) => {
      window.away = hidden;
      document.dispatchEvent(new Event('visibilitychange'));
    }, hidden);
    await phone.goto(first.url);
    await phone.locator('#status', { hasText: 'Live' }).waitFor();
    assert.equal(await phone.title(), 'Dropify');
    await away(true);
    dropify('send', 'While you were away');
    dropify('send', 'And another one');
    await phone.waitForFunction(() => document.title === '(2) Dropify');
    // What this phone sends itself is no news to it.
    await phone.evaluate((token) => fetch('/api/drops', {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ text: 'Sent from here' }),
    }), first.token);
    await card(phone, 'Sent from here').waitFor();
    assert.equal(await phone.title(), '(2) Dropify');
    await away(false);
    assert.equal(await phone.title(), 'Dropify');
    assert.deepEqual(phone.problems, []);
    await phone.context().close();
    forget(['While you were away', 'And another one', 'Sent from here']);
    await card(page, 'While you were away').waitFor({ state: 'detached' });
  });

  await check('a short expiry counts down in seconds', async () => {
    dropify('send', '--ttl', '30s', 'Gone in half a minute');
    const expires = card(page, 'Gone in half a minute').locator('.expires');
    await card(page, 'Gone in half a minute').waitFor();
    const first = await expires.textContent();
    assert.match(first, /^Expires in (2[0-9]|30) seconds$/, `shown: ${first}`);
    await page.waitForFunction((text) => !document.querySelector('.drop .expires') ||
      [...document.querySelectorAll('.drop')].some((node) => node.textContent.includes('Gone in half') &&
        node.querySelector('.expires').textContent !== text), first, { timeout: 2500 });
  });

  await check('a toast never covers the composer, however tall it grows', async () => {
    await page.locator('#text').fill(Array.from({ length: 8 }, (_, i) => `line ${i + 1}`).join('\n'));
    await page.locator('#text').dispatchEvent('input');
    await card(page, 'The door code').getByRole('button', { name: 'Copy the text' }).click();
    await page.locator('#toast', { hasText: 'Copied' }).waitFor();
    const toast = await page.locator('#toast').boundingBox();
    const composer = await page.locator('#composer').boundingBox();
    assert.ok(composer.height > 150, `the composer did not grow: ${composer.height} px`);
    assert.ok(toast.y + toast.height <= composer.y,
      `the toast (${toast.y}–${toast.y + toast.height}) covers the composer from ${composer.y}`);
    // Nor does it widen the page, which a phone then shows zoomed out.
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(width <= 390, `with the toast, the page is ${width} px wide`);
    assert.ok(toast.x >= 16 && toast.x + toast.width <= 374, `the toast is off centre: ${JSON.stringify(toast)}`);
    await page.locator('#text').fill('');
    await page.locator('#text').dispatchEvent('input');
  });

  await check('markup in a text is shown as text and runs nothing', async () => {
    const attacks = ['<img src=x onerror=alert(1)>', '<img src=x onerror="window.__xss=1"><script>window.__xss=2</script>'];
    for (const attack of attacks) dropify('send', attack);
    await page.locator('.text', { hasText: 'onerror=alert(1)' }).waitFor();
    await page.locator('.text', { hasText: 'window.__xss=2' }).waitFor();
    // The same, sent from the page itself.
    await page.locator('#text').fill('<b onmouseover=alert(2)>bold?</b>');
    await page.locator('#send').click();
    await page.locator('.text', { hasText: '<b onmouseover=alert(2)>' }).waitFor();
    await sleep(300);
    const texts = await page.locator('.text').allTextContents();
    for (const attack of attacks) assert.ok(texts.includes(attack), `not shown as typed: ${attack}`);
    // The one image is the thumbnail the page made itself.
    assert.equal(await page.locator('.drops img:not(.thumb[src*="/thumbnail?sig="]), .drops script, .drops b').count(), 0);
    assert.equal(await page.evaluate(() => window.__xss), undefined);
    assert.equal(page.dialogs, 0, 'a dialog opened');
  });

  await check('copying a text works without navigator.clipboard', async () => {
    assert.equal(await page.evaluate(() => window.isSecureContext && !!navigator.clipboard), false,
      'expected a page that is not a secure context');
    await card(page, 'The door code').getByRole('button', { name: 'Copy the text' }).click();
    await page.locator('#toast', { hasText: 'Copied' }).waitFor();
  });

  await check('a file downloads with its name and content', async () => {
    const wanted = list().find((d) => d.name === 'Boarding pass.pdf');
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      card(page, 'Boarding pass.pdf').getByRole('link', { name: /Download/ }).click(),
    ]);
    assert.equal(download.suggestedFilename(), 'Boarding pass.pdf');
    const saved = path.join(filesDir, 'downloaded.pdf');
    await download.saveAs(saved);
    assert.equal(sha256(saved), wanted.sha256);
  });

  await check('a drop is deleted everywhere after a second tap', async () => {
    const target = card(page, 'oat milk');
    const button = target.getByRole('button', { name: /delete/i });
    await button.click();
    await page.locator('#toast', { hasText: 'Tap again to delete it on all your devices' }).waitFor();
    assert.match(await button.getAttribute('aria-label'), /Tap again/);
    assert.ok(await target.isVisible(), 'one tap deleted it');
    await button.click();
    await target.waitFor({ state: 'detached' });
    assert.equal(list().find((d) => d.text && d.text.includes('oat milk')), undefined);
  });

  await check('a drop deleted on the desktop disappears from the page', async () => {
    const drop = list().find((d) => d.text === 'The door code is 4711#');
    dropify('delete', drop.id);
    await card(page, 'The door code is 4711#').waitFor({ state: 'detached', timeout: 1000 });
  });

  await check('the page stays readable at 360 px', async () => {
    await page.setViewportSize({ width: 360, height: 740 });
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(width <= 360, `the page is ${width} px wide at 360 px`);
    const box = await page.locator('.drop').first().boundingBox();
    assert.ok(box.x >= 0 && box.x + box.width <= 360, `a card sticks out: ${JSON.stringify(box)}`);
    const size = await page.locator('.drop .text, .drop .name').first()
      .evaluate((node) => parseFloat(getComputedStyle(node).fontSize));
    assert.ok(size >= 16, `drop text is ${size} px`);
    await page.setViewportSize({ width: 390, height: 844 });
  });

  await check('a file over the limit is refused with a clear message', async () => {
    const file = path.join(filesDir, 'video.mp4');
    fs.writeFileSync(file, randomBytes(1500 * 1000));
    const before = list().length;
    await page.locator('#files').setInputFiles(file);
    await page.locator('#toast', { hasText: '“video.mp4” is larger than the limit of 1.0 MB' }).waitFor();
    assert.equal(list().length, before);
  });

  await check('a wrong token or none gets a clear message', async () => {
    const wrong = await newPage();
    await wrong.goto(`http://phone.test:${first.port}/#${'A'.repeat(22)}`);
    await wrong.locator('#locked-title', { hasText: 'This link doesn’t work anymore' }).waitFor();
    assert.ok(await wrong.locator('#locked').isVisible());
    assert.equal(await wrong.locator('.drop').count(), 0);
    await wrong.goto(`http://phone.test:${first.port}/`);
    await wrong.locator('#locked-title', { hasText: 'Open this page from your computer' }).waitFor();
    await wrong.screenshot({ path: path.join(SHOTS, 'phone-page-locked.png') });
    await wrong.context().close();
  });

  await check('over IPv6 the page runs with no CSP complaint', async () => {
    // CSP's grammar has no IPv6 literal: a connect-src of ws://[::1]:PORT
    // is an invalid source to Chromium. Skipped where loopback has no ::1.
    const v6 = await fetch(`http://[::1]:${first.port}/`).then(() => true, () => false);
    if (!v6) {
      log('no IPv6 loopback here; skipped');
      return;
    }
    const phone = await newPage();
    await phone.goto(`http://[::1]:${first.port}/#${first.token}`);
    await phone.locator('#status', { hasText: 'Live' }).waitFor({ timeout: 5000 });
    await sleep(200);
    assert.deepEqual(phone.problems, []);
    await phone.context().close();
  });

  await check('reloading an old link does not lock out the right one', async () => {
    const phone = await newPage();
    // Each load tries the live socket, then /api/info to learn why it
    // failed; the same wrong token counts once however often.
    for (let i = 0; i < 6; i++) {
      await phone.goto(`http://phone.test:${first.port}/#${'B'.repeat(22)}`);
      await phone.locator('#locked-title', { hasText: 'This link doesn’t work anymore' }).waitFor();
      await phone.goto('about:blank');
    }
    await phone.goto(first.url);
    await phone.locator('#status', { hasText: 'Live' }).waitFor({ timeout: 5000 });
    await phone.context().close();
  });

  await check('a paused page waits out Retry-After, then connects by itself', async () => {
    const phone = await newPage();
    const attempts = [];
    let refusedAt = 0;
    // The first live socket drops at once; /api/info then answers 429 with
    // Retry-After: 2, once. The page must not try again before that.
    await phone.routeWebSocket(/\/api\/live$/, (socket) => {
      attempts.push(Date.now());
      if (attempts.length === 1) socket.close();
      else socket.connectToServer();
    });
    await phone.route(/\/api\/info$/, (route) => {
      if (refusedAt) return route.continue();
      refusedAt = Date.now();
      return route.fulfill({ status: 429, headers: { 'Retry-After': '2' },
        contentType: 'application/json', body: '{"error":"too many attempts"}' });
    });
    await phone.goto(first.url);
    await phone.locator('#locked-title', { hasText: 'Too many tries' }).waitFor();
    assert.match(await phone.locator('#locked-text').textContent(), /Trying again in [12] seconds?\./);
    await phone.locator('#status', { hasText: 'Live' }).waitFor({ timeout: 5000 });
    const early = attempts.filter((t) => t > refusedAt && t < refusedAt + 1900).map((t) => t - refusedAt);
    assert.deepEqual(early, [], `tried again ${early} ms after the 429`);
    assert.ok(await phone.locator('#locked').isHidden());
    await phone.context().close();
  });

  await check('a frozen computer is noticed, and a text sent meanwhile goes once it answers', async () => {
    const text = 'Sent while the computer was frozen';
    instance.kill('SIGSTOP');
    try {
      const stopped = Date.now();
      await page.locator('#text').fill(text);
      await page.locator('#send').click();
      // At most a heartbeat (4 s) and its deadline (3 s); the rest is slack.
      await page.locator('#device', { hasText: 'Can’t reach Workstation, retrying' }).waitFor({ timeout: 12000 });
      log(`noticed ${Date.now() - stopped} ms after SIGSTOP`);
      assert.equal(await page.locator('#status').textContent(), 'Reconnecting…');
      await page.locator('#toast', { hasText: 'Couldn’t reach Workstation. The text will go once it answers.' })
        .waitFor({ timeout: 9000 });
      assert.equal(await page.locator('#text').inputValue(), text);
      assert.ok(await page.locator('#send').isEnabled(), 'Send stays disabled');
      // A long toast does not widen the page either.
      assert.ok(await page.evaluate(() => document.documentElement.scrollWidth) <= 390, 'the toast widens the page');
      await page.screenshot({ path: path.join(SHOTS, 'phone-page-unreachable.png') });
    } finally {
      instance.kill('SIGCONT');
    }
    await page.locator('#status', { hasText: 'Live' }).waitFor({ timeout: 8000 });
    await card(page, text).waitFor({ timeout: 3000 });
    assert.equal(await page.locator('#device').textContent(), 'Connected to Workstation');
    assert.equal(await page.locator('#text').inputValue(), '');
    await sleep(300);
    assert.equal(list().filter((d) => d.text === text).length, 1, 'the text was not sent exactly once');
  });

  await check('phone access switched off is said so, and switched on comes back', async () => {
    const settings = path.join(dataDir, 'settings.ini');
    const before = fs.readFileSync(settings, 'utf8');
    fs.writeFileSync(settings, `${before.trimEnd()}\nphone-access=false\n`);
    await page.locator('#device', { hasText: 'Phone access is off on Workstation' }).waitFor({ timeout: 5000 });
    assert.match(await page.locator('#banner').textContent(), /Phone access is off on Workstation/);
    fs.writeFileSync(settings, before);
    await page.locator('#status', { hasText: 'Live' }).waitFor({ timeout: 8000 });
  });

  await check('losing the computer shows that the page is reconnecting', async () => {
    await stopInstance();
    await page.locator('#status', { hasText: 'Reconnecting…' }).waitFor({ timeout: 5000 });
    await page.locator('#device', { hasText: 'Can’t reach Workstation, retrying' }).waitFor({ timeout: 5000 });
  });

  await check('revoking the token locks the page out at once', async () => {
    const again = local(await startInstance());
    const phone = await newPage();
    await phone.goto(again.url);
    await phone.locator('#status', { hasText: 'Live' }).waitFor({ timeout: 5000 });
    const fresh = local(dropify('url', '--new-token').trim());
    assert.notEqual(fresh.token, again.token);
    await phone.locator('#locked-title', { hasText: 'This link doesn’t work anymore' }).waitFor({ timeout: 2000 });
    // A new fragment alone would not load the page again.
    await phone.goto('about:blank');
    await phone.goto(fresh.url);
    await phone.locator('#status', { hasText: 'Live' }).waitFor({ timeout: 5000 });
    assert.deepEqual(phone.problems, []);
    await phone.context().close();
  });

  await check('a thousand drops, thirty of them 1 MB texts, load a screenful at a time', async () => {
    const { url, port, token } = local(dropify('url').trim());
    // A connection of its own for each: the token revoked just before
    // closed the phone page's connections, and fetch() may pick one of
    // them from its pool before it has seen the close ("fetch failed").
    const post = (text) => new Promise((resolve, reject) => {
      const body = Buffer.from(JSON.stringify({ text }));
      const request = http.request({
        host: '127.0.0.1', port, path: '/api/drops', method: 'POST', agent: false,
        headers: {
          Authorization: `Bearer ${token}`, 'Content-Type': 'application/json',
          'Content-Length': body.length,
        },
      }, (response) => {
        response.resume();
        response.on('end', () => resolve(response.statusCode));
      });
      request.on('error', reject);
      request.end(body);
    }).then((status) => assert.equal(status, 201));
    const texts = [];
    for (let i = 0; i < 970; i++) {
      texts.push(i % 7 === 0 ? `Note ${i}\n${'a few words on a line\n'.repeat(i % 12)}`
        : `Drop ${i}: ${'lorem ipsum '.repeat(i % 40)}`);
    }
    for (let i = 0; i < 30; i++) texts.push(`Big ${i} `.padEnd(1000000, `line ${i} of a long log\n`));
    // What keeps the page from freezing is checked by its shape: the
    // snapshot holds previews, not megabytes, and cards are built a
    // screenful at a time. How fast that is, is measured by
    // tests/bench/bench-phone-load.sh, which runs this check with
    // DROPIFY_E2E_LOADS=3 and prints the "4× throttled" lines' numbers
    // (the page with the history before the thousand as its baseline);
    // a timed assertion here failed on a busy CI machine.
    const measure = async (what) => {
      const phone = await newPage();
      let snapshot = 0;
      phone.on('websocket', (socket) => socket.on('framereceived', ({ payload }) => {
        if (!snapshot) snapshot = payload.length;
      }));
      await phone.addInitScript(() => {
        window.longTasks = [];
        new PerformanceObserver((list) => {
          for (const entry of list.getEntries()) window.longTasks.push(Math.round(entry.duration));
        }).observe({ type: 'longtask', buffered: true });
        document.addEventListener('DOMContentLoaded', () => {
          new MutationObserver(() => { window.firstCard = window.firstCard || performance.now(); })
            .observe(document.getElementById('drops'), { childList: true });
        });
      });
      const cdp = await phone.context().newCDPSession(phone);
      await cdp.send('Emulation.setCPUThrottlingRate', { rate: 4 });
      await phone.goto(url);
      await phone.locator('.drop').first().waitFor({ timeout: 5000 * SLOW });
      await sleep(1000);
      const first = await phone.locator('.drop').count();
      // Scrolling on builds more cards as the end of the list comes near.
      for (let i = 0; i < 10; i++) {
        await phone.mouse.wheel(0, 3000);
        await sleep(100);
      }
      const [firstCard, longTasks, built] = await phone.evaluate(() =>
        [window.firstCard, window.longTasks, document.querySelectorAll('.drop').length]);
      await cdp.send('Emulation.setCPUThrottlingRate', { rate: 1 });
      log(`${what}, 4× throttled: first card at ${Math.round(firstCard)} ms, snapshot ${snapshot} bytes, ` +
        `long tasks ${JSON.stringify(longTasks)}, ${first} cards at first, ${built} after scrolling`);
      if (what === 'before') return phone;
      assert.ok(snapshot < 1000000, `the snapshot is ${snapshot} bytes`);
      assert.ok(first < 100, `the first screen built ${first} cards of 1,000`);
      assert.ok(built > first && built > 60, `scrolling built ${built} cards (${first} at first)`);
      return phone;
    };
    if (process.env.DROPIFY_E2E_LOADS) await (await measure('before')).context().close();
    const seeded = Date.now();
    for (let i = 0; i < texts.length; i += 16) await Promise.all(texts.slice(i, i + 16).map(post));
    log(`seeded ${texts.length} drops in ${Date.now() - seeded} ms`);

    let phone = null;
    const loads = Number(process.env.DROPIFY_E2E_LOADS || 1);
    for (let attempt = 0; attempt < loads; attempt++) {
      if (phone) await phone.context().close();
      phone = await measure('1,000 drops');
    }

    // The oldest drop is there at the end of the list, and a notice says
    // that there are older ones, which the page does not list. Scrolled
    // to by a deadline, not a count of tries, which a busy machine ran
    // out of.
    assert.ok(await phone.locator('#older').isHidden(), 'the notice shows before the end');
    for (const until = Date.now() + 30000 * SLOW; Date.now() < until && !await card(phone, 'Drop 1: ').count();) {
      await phone.evaluate(() => window.scrollTo(0, document.body.scrollHeight));
      await sleep(50);
    }
    assert.equal(await phone.locator('.drop').count(), 1000);
    // (`dropify list` would print megabytes here.)
    const { total } = await (await fetch(`http://127.0.0.1:${port}/api/info`,
      { headers: { Authorization: `Bearer ${token}` } })).json();
    const older = total - 1000;
    assert.ok(older > 0, 'the history has no more than 1,000 drops');
    await phone.locator('#older').waitFor();
    assert.equal(await phone.locator('#older').textContent(),
      `${older} older drop${older === 1 ? ' is' : 's are'} only on Workstation.`);

    // A long text shows its start, and all of it on demand.
    const big = card(phone, 'Big 29 ');
    assert.ok((await big.locator('.text').textContent()).length <= 1024);
    await big.getByRole('button', { name: 'Show more' }).click();
    await big.getByRole('button', { name: 'Show less' }).waitFor();
    assert.equal((await big.locator('.text').textContent()).length, 1000000);
    assert.deepEqual(phone.problems, []);
    await phone.context().close();
  });

  assert.deepEqual(page.problems, [], 'the page reported errors');
  console.log(`1..${step}`);
}

async function cleanUp () {
  if (browser) await browser.close().catch(() => {});
  await stopInstance().catch(() => {});
  fs.rmSync(dataDir, { recursive: true, force: true });
  fs.rmSync(filesDir, { recursive: true, force: true });
  fs.rmSync(`${dataDir}.log`, { force: true });
}

process.on('SIGTERM', async () => {
  await cleanUp();
  process.exit(1);
});

try {
  await main();
  await cleanUp();
} catch (error) {
  console.log(`not ok ${step + 1} - ${error.stack || error}`);
  if (fs.existsSync(`${dataDir}.log`)) {
    console.log(fs.readFileSync(`${dataDir}.log`, 'utf8').replace(/^/gm, '# '));
  }
  await cleanUp();
  process.exit(1);
}
