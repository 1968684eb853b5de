// Helpers for Tracewire's browser tests: the `tracewire demo` process, a
// small RSS fixture site, Chromium and per-page checks. Everything listens
// on and talks to 127.0.0.1 only.
import { spawn } from 'node:child_process';
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';

export const ARTIFACTS = path.resolve(process.env.TRACEWIRE_BROWSER_ARTIFACTS || 'browser-artifacts');
fs.mkdirSync(ARTIFACTS, { recursive: true });

export const CHROMIUM = process.env.TRACEWIRE_CHROMIUM || '/usr/bin/chromium';

// ---------------------------------------------------------------- demo

/**
 * Starts `TRACEWIRE_BIN demo --listen 127.0.0.1:0` and waits for the
 * "ready in …" line and the first account's password.
 * Resolves to { base, user, password, proc, output() }.
 */
export function startDemo({ timeoutMs = 120_000 } = {}) {
  const bin = process.env.TRACEWIRE_BIN;
  assert.ok(bin, 'TRACEWIRE_BIN must name the built tracewire binary');
  assert.ok(fs.existsSync(bin), `TRACEWIRE_BIN ${bin} does not exist: run cargo build -p tracewire`);
  const proc = spawn(bin, ['demo', '--listen', '127.0.0.1:0'], {
    env: { ...process.env, TRACEWIRE_LOG: 'warn', NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // However this test process ends, the demo does not outlive it.
  const reap = () => { if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL'); };
  process.once('exit', reap);
  proc.once('exit', () => process.removeListener('exit', reap));
  let out = '';
  let err = '';
  proc.stdout.setEncoding('utf8');
  proc.stderr.setEncoding('utf8');
  const output = () => `--- stdout\n${out.slice(-4000)}\n--- stderr\n${err.slice(-4000)}`;
  return new Promise((resolve, reject) => {
    let base = null;
    let login = null;
    const timer = setTimeout(() => {
      stopProcess(proc);
      reject(new Error(`tracewire demo not ready within ${timeoutMs / 1000}s\n${output()}`));
    }, timeoutMs);
    const check = () => {
      if (!base) {
        const m = out.match(/^ready in [\d.]+s\. Open (http:\/\/127\.0\.0\.1:\d+)\//m);
        if (m) base = m[1];
      }
      if (!login) {
        const m = out.match(/^Created the first account: log in at (http:\/\/\S+)\/login as (\S+) with password (\S+)/m);
        if (m) login = { user: m[2], password: m[3] };
      }
      if (base && login) {
        clearTimeout(timer);
        resolve({ base, ...login, proc, output });
      }
    };
    proc.stdout.on('data', (d) => { out += d; check(); });
    proc.stderr.on('data', (d) => { err += d; });
    proc.on('error', (e) => { clearTimeout(timer); reject(e); });
    proc.on('exit', (code, sig) => {
      if (!(base && login)) {
        clearTimeout(timer);
        reject(new Error(`tracewire demo exited early (${code ?? sig})\n${output()}`));
      }
    });
  });
}

/** SIGTERM, then SIGKILL after a grace period. */
export async function stopProcess(proc, graceMs = 5000) {
  if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
  const gone = new Promise((r) => proc.once('exit', r));
  proc.kill('SIGTERM');
  const t = setTimeout(() => proc.kill('SIGKILL'), graceMs);
  await gone;
  clearTimeout(t);
}

// ---------------------------------------------------------------- fixture site

export const FIXTURE_ITEMS = [
  {
    slug: 'harbour-ferry',
    title: 'Wrenfield harbour ferry returns after the winter storms',
    author: 'Ada Kettleworth',
    date: 'Mon, 23 Nov 2026 08:15:00 GMT',
    paras: [
      'The Wrenfield harbour ferry carried its first passengers in six weeks on Monday morning, after engineers replaced the landing stage that the November storms tore loose.',
      'The harbour master, Joan Pettigrew, said the crossing would run every forty minutes until the spring timetable begins. "We owe the island an apology and a reliable boat," she said.',
      'Island shopkeepers had relied on a fishing boat and a borrowed barge for deliveries since the end of October, and some had closed for days at a time.',
      'The council has set aside money for a second landing stage on the sheltered side of the harbour, to be built next summer.',
    ],
  },
  {
    slug: 'orchard-cooperative',
    title: 'Quillmoor orchard cooperative presses a record apple harvest',
    author: 'Benedict Oyelaran',
    date: 'Tue, 24 Nov 2026 10:30:00 GMT',
    paras: [
      'Growers in the Quillmoor valley pressed more apples this autumn than in any year since the cooperative was founded, its members said at their annual meeting.',
      'A dry September and a late frost that spared the blossom gave the orchards an unusually heavy crop, and the cooperative hired twelve extra pickers.',
      'Most of the juice will be sold in the valley, but a brewery in the county town has agreed to buy a tenth of it for cider.',
      'The cooperative plans to plant three hundred young trees of older local varieties next spring.',
    ],
  },
  {
    slug: 'library-reopens',
    title: 'Ostbridge library reopens with a lending shelf of tools',
    author: 'Mirela Santangelo',
    date: 'Wed, 25 Nov 2026 14:00:00 GMT',
    paras: [
      'The Ostbridge public library reopened on Wednesday after a year of repairs to its roof, and visitors found something new beside the books: a shelf of drills, ladders and sewing machines to borrow.',
      'The librarian, Tomasz Hollingberry, said the tools were donated by residents and would be lent for a week at a time with an ordinary library card.',
      'The repairs cost less than planned because volunteers cleared and repainted the reading room themselves.',
    ],
  },
  {
    slug: 'night-bus',
    title: 'Calderwick night bus route extended to the hospital',
    author: 'Priya Fenwhistle',
    date: 'Thu, 26 Nov 2026 06:45:00 GMT',
    paras: [
      'The night bus in Calderwick will stop at the general hospital from next month, the transport authority said, after nurses petitioned for a safer way home after late shifts.',
      'The route will run hourly between midnight and five in the morning, seven days a week.',
      'A trial last spring carried more passengers than the authority expected, most of them hospital staff and students.',
    ],
  },
];

const esc = (s) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

function articlePage(base, item) {
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>${esc(item.title)} | The Fixture Gazette</title>
<meta property="og:title" content="${esc(item.title)}">
<meta property="og:type" content="article">
<meta name="author" content="${esc(item.author)}">
<meta property="article:published_time" content="${new Date(item.date).toISOString()}">
<link rel="canonical" href="${base}/news/${item.slug}.html">
</head><body>
<header><a href="${base}/">The Fixture Gazette</a></header>
<main><article>
<h1>${esc(item.title)}</h1>
<p class="byline">By <span class="author">${esc(item.author)}</span> · <time datetime="${new Date(item.date).toISOString()}">${esc(item.date)}</time></p>
${item.paras.map((p) => `<p>${esc(p)}</p>`).join('\n')}
</article></main>
<footer><p>© The Fixture Gazette</p></footer>
</body></html>`;
}

function rss(base) {
  return `<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel>
<title>The Fixture Gazette</title>
<link>${base}/</link>
<description>Local news for Tracewire's browser tests</description>
<language>en</language>
${FIXTURE_ITEMS.map((i) => `<item>
  <title>${esc(i.title)}</title>
  <link>${base}/news/${i.slug}.html</link>
  <guid isPermaLink="true">${base}/news/${i.slug}.html</guid>
  <pubDate>${i.date}</pubDate>
  <author>news@fixture.invalid (${esc(i.author)})</author>
  <description>${esc(i.paras[0])}</description>
</item>`).join('\n')}
</channel></rss>`;
}

/** A Node http server on 127.0.0.1 serving /feed.xml and the articles. */
export async function startFixtureSite() {
  let base = '';
  const hits = [];
  const server = http.createServer((req, res) => {
    hits.push(req.url);
    const url = new URL(req.url, base);
    const send = (status, type, body) => {
      res.writeHead(status, { 'content-type': type, 'cache-control': 'no-cache' });
      res.end(body);
    };
    if (url.pathname === '/feed.xml') return send(200, 'application/rss+xml; charset=utf-8', rss(base));
    if (url.pathname === '/') {
      return send(200, 'text/html; charset=utf-8', `<!DOCTYPE html><html lang="en"><head><title>The Fixture Gazette</title><link rel="alternate" type="application/rss+xml" href="/feed.xml"></head><body><h1>The Fixture Gazette</h1><ul>${FIXTURE_ITEMS.map((i) => `<li><a href="/news/${i.slug}.html">${esc(i.title)}</a></li>`).join('')}</ul></body></html>`);
    }
    const m = url.pathname.match(/^\/news\/([a-z-]+)\.html$/);
    const item = m && FIXTURE_ITEMS.find((i) => i.slug === m[1]);
    if (item) return send(200, 'text/html; charset=utf-8', articlePage(base, item));
    if (url.pathname === '/robots.txt') return send(200, 'text/plain', 'User-agent: *\nAllow: /\n');
    return send(404, 'text/plain', 'not found');
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${server.address().port}`;
  return {
    base,
    feedUrl: `${base}/feed.xml`,
    hits,
    close: () => new Promise((r) => { server.closeAllConnections?.(); server.close(() => r()); }),
  };
}

// ---------------------------------------------------------------- browser

export async function launchBrowser() {
  assert.ok(fs.existsSync(CHROMIUM), `${CHROMIUM} is missing: apt-get install -y chromium`);
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
}

/**
 * Records, for every page of a context: requests to hosts other than
 * 127.0.0.1, console errors, uncaught page errors and CSP violations.
 */
export function watchContext(context) {
  const seen = { offHost: [], consoleErrors: [], pageErrors: [], csp: [], requests: 0 };
  const watchPage = (page) => {
    page.on('request', (req) => {
      seen.requests += 1;
      const u = req.url();
      if (u.startsWith('data:')) return;
      let host = '';
      try { host = new URL(u).hostname; } catch { /* unparsable: reported below */ }
      if (host !== '127.0.0.1') seen.offHost.push(`${u} (from ${page.url()})`);
    });
    page.on('console', (msg) => {
      const text = msg.text();
      if (/Content Security Policy/i.test(text)) seen.csp.push(`${page.url()}: ${text}`);
      else if (msg.type() === 'error') seen.consoleErrors.push(`${page.url()}: ${text} (${msg.location().url || 'no location'})`);
    });
    page.on('pageerror', (e) => seen.pageErrors.push(`${page.url()}: ${e.message}`));
  };
  context.pages().forEach(watchPage);
  context.on('page', watchPage);
  return seen;
}

/** Accessibility basics on the page as it is now. Returns a list of problems. */
export async function accessibilityProblems(page) {
  return page.evaluate(() => {
    const problems = [];
    const where = location.pathname + location.search;
    if (!document.documentElement.getAttribute('lang')) problems.push(`${where}: <html> has no lang`);
    if (!document.title.trim()) problems.push(`${where}: empty <title>`);
    const describe = (el) => el.outerHTML.slice(0, 160);
    for (const el of document.querySelectorAll('input, select, textarea')) {
      if (el.type === 'hidden') continue;
      const byFor = el.id && document.querySelector(`label[for="${CSS.escape(el.id)}"]`);
      const wrapped = el.closest('label');
      const aria = (el.getAttribute('aria-label') || '').trim() || el.getAttribute('aria-labelledby');
      if (!byFor && !wrapped && !aria) problems.push(`${where}: unlabelled ${describe(el)}`);
    }
    // Images of our own chrome (not inside a crawled article's body).
    for (const img of document.querySelectorAll('img')) {
      if (img.closest('article .body')) continue;
      if (!img.hasAttribute('alt')) problems.push(`${where}: image without alt ${describe(img)}`);
    }
    for (const svg of document.querySelectorAll('svg[role="img"]')) {
      if (!svg.getAttribute('aria-label') && !svg.getAttribute('aria-labelledby') && !svg.querySelector('title')) {
        problems.push(`${where}: svg role=img without a name`);
      }
    }
    for (const b of document.querySelectorAll('button, a[href]')) {
      const name = (b.getAttribute('aria-label') || b.textContent || b.getAttribute('title') || '').trim();
      if (!name && !b.querySelector('img[alt]:not([alt=""]), svg title')) problems.push(`${where}: control without a name ${describe(b)}`);
    }
    const ids = new Map();
    for (const el of document.querySelectorAll('[id]')) ids.set(el.id, (ids.get(el.id) || 0) + 1);
    for (const [id, n] of ids) if (n > 1) problems.push(`${where}: id "${id}" used ${n} times`);
    if (!document.querySelector('main')) problems.push(`${where}: no <main>`);
    // Text contrast of our own chrome (WCAG AA: 4.5:1 for body text), in
    // whichever colour scheme the page is shown.
    const rgb = (c) => (c.match(/[\d.]+/g) || []).map(Number);
    const lum = ([r, g, b]) => {
      const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
      return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
    };
    const background = (el) => {
      for (let e = el; e; e = e.parentElement) {
        const c = rgb(getComputedStyle(e).backgroundColor);
        if (c.length >= 3 && (c.length < 4 || c[3] > 0.5)) return c;
      }
      return [255, 255, 255];
    };
    const texts = document.querySelectorAll('header a, nav a, h1, h2, p, li, td, th, label, button, .meta, .count, kbd');
    let checked = 0;
    for (const el of texts) {
      if (checked >= 300) break;
      if (el.closest('article .body') || !el.textContent.trim() || el.offsetParent === null) continue;
      checked += 1;
      const fg = rgb(getComputedStyle(el).color);
      const [l1, l2] = [lum(fg), lum(background(el))].sort((a, b) => b - a);
      const ratio = (l1 + 0.05) / (l2 + 0.05);
      if (ratio < 4.5) problems.push(`${where}: contrast ${ratio.toFixed(2)}:1 < 4.5:1 on ${describe(el)}`);
    }
    return problems;
  });
}

export async function noHorizontalScroll(page) {
  return page.evaluate(() => {
    // The narrowest of the viewport's measures: under mobile emulation the
    // layout viewport (innerWidth) grows to fit content that is too wide.
    const width = Math.min(window.innerWidth, document.documentElement.clientWidth, window.visualViewport ? window.visualViewport.width : Infinity);
    const name = (el) => `${el.tagName.toLowerCase()}${el.id ? '#' + el.id : ''}${typeof el.className === 'string' && el.className.trim() ? '.' + el.className.trim().split(/\s+/).join('.') : ''}`;
    return {
      scrollWidth: document.documentElement.scrollWidth,
      innerWidth: width,
      ok: document.documentElement.scrollWidth <= width + 1,
      // The outermost elements that stick out, to say what overflows.
      wide: Array.from(document.querySelectorAll('body *'))
        .filter((el) => el.getBoundingClientRect().right > width + 1)
        .filter((el) => !el.parentElement || el.parentElement.getBoundingClientRect().right <= width + 1)
        .filter((el) => !el.closest('.chain-graph'))
        .slice(0, 5)
        .map((el) => `${el.parentElement ? name(el.parentElement) + ' > ' : ''}${name(el)} right=${Math.round(el.getBoundingClientRect().right)}px`),
    };
  });
}

export async function shot(page, name, opts = {}) {
  const file = path.join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path: file, ...opts });
  return file;
}

/** Polls fn until it returns a truthy value or the time is up. */
export async function eventually(fn, { timeoutMs = 60_000, intervalMs = 1000, what = 'condition' } = {}) {
  const end = Date.now() + timeoutMs;
  let last;
  for (;;) {
    try {
      last = await fn();
      if (last) return last;
    } catch (e) {
      last = e;
    }
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs / 1000}s waiting for ${what}; last: ${last}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
