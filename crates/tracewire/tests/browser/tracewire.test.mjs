// Tracewire in a real browser: Debian's Chromium, driven by playwright-core,
// against `tracewire demo` on 127.0.0.1 and a small RSS fixture site.
// Run with crates/tracewire/tests/browser/run.sh (it sets TRACEWIRE_BIN and
// TRACEWIRE_BROWSER_ARTIFACTS).
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startDemo, stopProcess, startFixtureSite, launchBrowser, watchContext,
  accessibilityProblems, noHorizontalScroll, shot, eventually, FIXTURE_ITEMS,
} from './lib.mjs';

const VIEWPORT = { width: 1200, height: 800 };

describe('tracewire in Chromium', { timeout: 600_000 }, () => {
  let demo;
  let site;
  let browser;
  let context;
  let page;
  let seen;
  let feedId;
  let landedOn;
  const a11y = [];

  // Visits a path, checks accessibility basics and takes a screenshot.
  async function visit(path, name) {
    const res = await page.goto(demo.base + path);
    assert.ok(res && res.ok(), `GET ${path}: HTTP ${res && res.status()}`);
    a11y.push(...(await accessibilityProblems(page)));
    if (name) await shot(page, name);
    return res;
  }

  before(async () => {
    // The demo's first crawl takes a while in a debug build: start it and
    // the fixture site and the browser together.
    const [d, s, b] = await Promise.allSettled([startDemo(), startFixtureSite(), launchBrowser()]);
    // Keep whatever started, so that after() stops it even when one failed.
    demo = d.value;
    site = s.value;
    browser = b.value;
    for (const r of [d, s, b]) if (r.status === 'rejected') throw r.reason;
    context = await browser.newContext({ viewport: VIEWPORT, locale: 'en-GB', colorScheme: 'light' });
    context.setDefaultTimeout(15_000);
    seen = watchContext(context);
    page = await context.newPage();
  });

  after(async () => {
    await browser?.close().catch(() => {});
    await stopProcess(demo?.proc);
    await site?.close();
  });

  test('logging in; the reading list of unread articles', async () => {
    await visit('/login', 'login');
    await page.fill('#login-name', demo.user);
    await page.fill('#login-password', demo.password);
    await Promise.all([page.waitForURL((u) => u.pathname !== '/login'), page.click('form[action="/login"] button[type="submit"]')]);
    landedOn = new URL(page.url()).pathname;
    if (landedOn !== '/reading') await page.goto(`${demo.base}/reading`);
    assert.equal(new URL(page.url()).pathname, '/reading', 'signed in: /reading does not send us back to /login');
    const n = await page.locator('ol.items > li.item').count();
    assert.ok(n >= 2, `the reading list shows the demo's articles (found ${n})`);
    const first = page.locator('ol.items > li.item').first();
    assert.equal(await first.locator('a.open').count(), 1);
    assert.equal(await first.locator('button.mark-read').count(), 1);
    assert.equal(await first.locator('button.star').count(), 1);
    a11y.push(...(await accessibilityProblems(page)));
    await shot(page, 'reading');
  });

  test('logging in at /login lands on /reading', () => {
    assert.equal(landedOn, '/reading');
  });

  test('subscribing to a feed on the web; its articles reach the reading list', async () => {
    await visit('/subscriptions');
    await page.fill('#add-url', site.feedUrl);
    await page.fill('#add-category', 'Fixtures');
    await Promise.all([
      page.waitForURL(/\/subscriptions\?added=\d+/),
      page.click('form[action="/subscriptions"] button[type="submit"]'),
    ]);
    feedId = new URL(page.url()).searchParams.get('added');
    const notice = await page.locator('.notice').textContent();
    assert.match(notice, /Subscribed to/);
    // The demo crawls every 2 s: wait for the fixture's articles.
    const want = FIXTURE_ITEMS.map((i) => i.title);
    await eventually(async () => {
      await page.goto(`${demo.base}/reading?feed=${feedId}`);
      const titles = await page.locator('ol.items > li.item a.open').allTextContents();
      return want.every((t) => titles.some((x) => x.trim() === t));
    }, { timeoutMs: 60_000, intervalMs: 2000, what: `the fixture's ${want.length} articles on /reading?feed=${feedId}` });
    assert.ok(site.hits.some((h) => h.startsWith('/news/')), 'tracewire fetched the article pages');
    a11y.push(...(await accessibilityProblems(page)));
    await visit('/subscriptions', 'subscriptions');
    assert.ok((await page.locator('table.feeds').textContent()).includes('Fixtures'), 'the category is shown');
  });

  test('reading an article and starring it without a reload', async () => {
    await page.goto(`${demo.base}/reading?feed=${feedId}`);
    const title = FIXTURE_ITEMS[0].title;
    await Promise.all([page.waitForURL(/\/articles\/\d+$/), page.click(`ol.items a.open:text-is("${title}")`)]);
    const articleId = new URL(page.url()).pathname.split('/').pop();
    assert.equal((await page.locator('article h1').textContent()).trim(), title);
    const body = await page.locator('article .body').textContent();
    assert.ok(body.includes('landing stage'), 'the article body was extracted');
    a11y.push(...(await accessibilityProblems(page)));
    const star = page.locator('article .actions button.star');
    assert.equal(await star.getAttribute('aria-pressed'), 'false');
    // Mark the document so that a reload would be noticed.
    await page.evaluate(() => { window.__noReload = true; });
    await star.click();
    await page.waitForFunction(() => /★ Starred/.test(document.querySelector('article .actions button.star')?.textContent ?? ''), null, { timeout: 5000 });
    assert.equal(await star.getAttribute('aria-pressed'), 'true');
    assert.equal(await page.evaluate(() => window.__noReload), true, 'starring did not reload the page');
    await visit('/starred', 'starred');
    const hrefs = await page.locator('ol.items > li.item a.open').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
    assert.ok(hrefs.includes(`/articles/${articleId}`), `/starred lists /articles/${articleId}: ${hrefs}`);
  });

  test('keyboard: j, k, ?, Escape, / and o on the reading list', async () => {
    await visit('/reading');
    const items = page.locator('ol.items > li.item');
    assert.ok((await items.count()) >= 3);
    const hasClass = (i, c) => items.nth(i).evaluate((li, c) => li.classList.contains(c), c);
    await page.locator('main h1').click(); // focus the page, not a field
    await page.keyboard.press('j');
    assert.ok(await hasClass(0, 'current'), 'j selects the first item');
    await page.keyboard.press('j');
    assert.ok(await hasClass(1, 'current'), 'j again selects the second');
    assert.ok(!(await hasClass(0, 'current')));
    await page.keyboard.press('k');
    assert.ok(await hasClass(0, 'current'), 'k goes back to the first');
    assert.equal(await page.locator('ol.items > li.current').count(), 1);
    // The help.
    assert.equal(await page.locator('#shortcuts').isVisible(), false);
    await page.keyboard.press('?');
    await page.locator('#shortcuts').waitFor({ state: 'visible' });
    await shot(page, 'shortcuts');
    await page.keyboard.press('Escape');
    await page.locator('#shortcuts').waitFor({ state: 'hidden' });
    // Search focus, and Escape leaves the field.
    await page.keyboard.press('/');
    assert.equal(await page.evaluate(() => document.activeElement && document.activeElement.id), 'top-q');
    await page.keyboard.press('Escape');
    assert.notEqual(await page.evaluate(() => document.activeElement && document.activeElement.id), 'top-q');
    // o opens the current item.
    await page.keyboard.press('j');
    const currentHref = await page.locator('ol.items > li.current a.open').getAttribute('href');
    assert.match(currentHref, /^\/articles\/\d+$/);
    await Promise.all([page.waitForURL(new RegExp(`${currentHref}$`)), page.keyboard.press('o')]);
    assert.ok((await page.locator('article h1').textContent()).trim().length > 0);
  });

  test('keyboard: s stars and m marks read the current item, without a reload', async () => {
    await visit('/reading');
    const first = page.locator('ol.items > li.item').first();
    const firstHref = await first.locator('a.open').getAttribute('href');
    await page.locator('main h1').click();
    await page.evaluate(() => { window.__noReload = true; });
    await page.keyboard.press('j');
    await page.keyboard.press('s');
    await first.locator('button.star[aria-pressed="true"]').waitFor({ timeout: 5000 });
    await page.keyboard.press('m');
    await page.waitForFunction(() => document.querySelector('ol.items > li.item')?.classList.contains('read'), null, { timeout: 5000 });
    assert.equal(await first.locator('button.mark-read').getAttribute('aria-pressed'), 'true');
    assert.equal(await page.evaluate(() => window.__noReload), true, 's and m did not reload the page');
    await page.goto(`${demo.base}/starred`);
    const starred = await page.locator('ol.items > li.item a.open').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
    assert.ok(starred.includes(firstHref), `s starred ${firstHref}: /starred has ${starred}`);
  });

  test('searching from the top box', async () => {
    // A word from a demo title: the corpus is the demo's own fixture web.
    const api = await (await page.request.get(`${demo.base}/api/v1/articles?limit=50`)).json();
    const list = Array.isArray(api) ? api : (api.articles || api.items || api.data || []);
    const titles = list.map((a) => a.title).filter(Boolean);
    assert.ok(titles.length > 0, `the API lists articles: ${JSON.stringify(api).slice(0, 300)}`);
    const preferred = ['crane', 'Mecca'];
    let word = preferred.find((w) => titles.some((t) => t.toLowerCase().includes(w.toLowerCase())));
    if (!word) {
      word = titles.flatMap((t) => t.split(/[^A-Za-z]+/)).filter((w) => w.length >= 6).sort((a, b) => b.length - a.length)[0];
    }
    assert.ok(word, 'a word to search for');
    await visit('/reading');
    await page.fill('#top-q', word);
    await Promise.all([page.waitForURL(/\/search\?q=/), page.press('#top-q', 'Enter')]);
    assert.equal(new URL(page.url()).searchParams.get('q'), word);
    const hits = page.locator('main ul.list > li a[href^="/articles/"], main ol.list > li a[href^="/articles/"]');
    await eventually(async () => (await hits.count()) > 0 || (await page.reload(), false), { timeoutMs: 20_000, what: `hits for ${word}` });
    const texts = await hits.allTextContents();
    assert.ok(texts.some((t) => t.toLowerCase().includes(word.toLowerCase())) || (await page.locator('.snippet b').count()) > 0,
      `a hit mentions "${word}": ${texts.slice(0, 5)}`);
    a11y.push(...(await accessibilityProblems(page)));
    await shot(page, 'search');
    // The search page's own form.
    await page.fill('#q', `"${word}"`);
    await page.selectOption('#sort', 'date');
    await Promise.all([page.waitForURL(/sort=date/), page.click('form.search button[type="submit"]')]);
    assert.ok((await hits.count()) > 0);
  });

  test('full coverage: a story, an article with copies and its provenance chain', async () => {
    await visit('/stories', 'stories');
    // The story with the most articles.
    const stories = await page.locator('main ul.list > li').evaluateAll((lis) => lis.map((li) => {
      const a = li.querySelector('h2 a');
      const m = (li.querySelector('.meta') || {}).textContent?.match(/(\d+) articles?/);
      return { href: a && a.getAttribute('href'), n: m ? Number(m[1]) : 0 };
    }));
    const best = stories.filter((s) => s.href).sort((a, b) => b.n - a.n)[0];
    assert.ok(best && best.n >= 2, `a story with several articles: ${JSON.stringify(stories.slice(0, 5))}`);
    await Promise.all([page.waitForURL(new RegExp(`${best.href}$`)), page.click(`main ul.list > li h2 a[href="${best.href}"]`)]);
    assert.ok((await page.locator('article.story h1').textContent()).trim().length > 0);
    const members = await page.locator('.timeline ol.list > li a[href^="/articles/"]').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
    assert.equal(members.length >= 2, true, `the story lists its articles: ${members}`);
    a11y.push(...(await accessibilityProblems(page)));
    await shot(page, 'story');
    // An article of it that has copies: a copy (not the origin) first.
    let found = null;
    for (const href of [...members].reverse()) {
      await page.goto(demo.base + href);
      if ((await page.locator('.provenance table.copies tbody tr').count()) > 0 && (await page.locator('.provenance .chain').count()) > 0) {
        found = href;
        break;
      }
    }
    assert.ok(found, `an article of ${best.href} with a copy chain`);
    const prov = page.locator('.provenance');
    assert.match(await prov.locator('h2').textContent(), /Provenance/);
    assert.match(await prov.textContent(), /Origin:/);
    const chainLinks = await prov.locator('.chain a[href^="/articles/"]').count();
    assert.ok(chainLinks >= 1, 'the chain links to the other copies');
    // The picture of the chain.
    const svg = prov.locator('svg.provenance-chain');
    assert.equal(await svg.count(), 1, 'the provenance section draws the chain as svg.provenance-chain');
    const nodes = await svg.locator('a[href^="/articles/"]').count();
    assert.ok(nodes >= 2, `the picture has a node per copy (${nodes})`);
    assert.equal(await svg.locator('.node.current').count(), 1, 'the article itself is marked in the picture');
    const box = await svg.boundingBox();
    assert.ok(box && box.width > 50 && box.height > 20, `the picture is drawn: ${JSON.stringify(box)}`);
    a11y.push(...(await accessibilityProblems(page)));
    await prov.scrollIntoViewIfNeeded();
    await shot(page, 'article-provenance');
    await page.evaluate(() => window.scrollTo(0, 0));
    await shot(page, 'article');
  });

  test('settings and the other main pages', async () => {
    await visit('/settings', 'settings');
    for (const p of ['/', '/latest', '/entities', '/sites', '/feeds', '/search']) await visit(p);
  });

  test('a phone: no horizontal scrolling', async () => {
    const phone = await browser.newContext({
      viewport: { width: 390, height: 844 }, deviceScaleFactor: 2,
      storageState: await context.storageState(),
    });
    const phoneSeen = watchContext(phone);
    const p = await phone.newPage();
    try {
      const wide = [];
      const articleHref = await (async () => {
        await page.goto(`${demo.base}/reading?feed=${feedId}&show=all`);
        return page.locator('ol.items a.open').first().getAttribute('href');
      })();
      for (const path of ['/reading', '/subscriptions', '/stories', articleHref, '/search?q=the', '/settings']) {
        await p.goto(demo.base + path);
        const r = await noHorizontalScroll(p);
        if (!r.ok) wide.push(`${path}: scrollWidth ${r.scrollWidth} > ${r.innerWidth}; ${r.wide.join(', ')}`);
      }
      await p.goto(`${demo.base}/reading`);
      await shot(p, 'phone-reading');
      assert.deepEqual(wide, [], 'pages scroll sideways on a 390 px phone');
    } finally {
      await phone.close();
      seen.offHost.push(...phoneSeen.offHost);
      seen.consoleErrors.push(...phoneSeen.consoleErrors);
      seen.pageErrors.push(...phoneSeen.pageErrors);
      seen.csp.push(...phoneSeen.csp);
    }
  });

  test('dark mode', async () => {
    await page.emulateMedia({ colorScheme: 'dark' });
    try {
      await page.goto(`${demo.base}/reading`);
      const bg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
      const [r, g, b] = bg.match(/\d+/g).map(Number);
      assert.ok(r + g + b < 3 * 80, `a dark background in dark mode: ${bg}`);
      await shot(page, 'dark-reading');
      // Contrast and labels hold in the dark too (an article, a story).
      a11y.push(...(await accessibilityProblems(page)));
      for (const path of ['/stories', '/subscriptions', '/settings']) {
        await page.goto(`${demo.base}${path}`);
        a11y.push(...(await accessibilityProblems(page)));
      }
    } finally {
      await page.emulateMedia({ colorScheme: 'light' });
    }
  });

  test('accessibility basics on every page visited', () => {
    assert.deepEqual([...new Set(a11y)], []);
  });

  test('no request left 127.0.0.1; no page errors or CSP violations', () => {
    assert.ok(seen.requests > 20, `requests were recorded (${seen.requests})`);
    assert.deepEqual(seen.offHost, [], 'requests to other hosts');
    assert.deepEqual(seen.csp, [], 'Content Security Policy violations');
    assert.deepEqual(seen.pageErrors, [], 'uncaught script errors');
  });

  test('no console errors', () => {
    assert.deepEqual(seen.consoleErrors, [], 'console errors');
  });
});
