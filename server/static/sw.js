// The service worker of the leader's pages, served from the root so its scope is the whole site.
// It keeps the pages a cadre needs in a village without signal: the task list, each task's visit
// form and household page (put here by the task list, outbox.js), and the scripts and styles.
// Pages: the network first, the kept copy when there is none. Nothing under /api is kept: visits
// saved offline wait in IndexedDB (outbox.js), never in this cache.
const VERSION = 'v1';
const PAGES = `duzhan-pages-${VERSION}`;
const ASSETS = `duzhan-assets-${VERSION}`;
const ASSET_URLS = [
  '/static/app.css',
  '/static/app.js',
  '/static/outbox.js',
  '/static/visit-form.js',
  '/static/icons/icon-192.png',
];
/** Pages kept for offline use: only the leader's own (a supervisor's board is never kept). */
const KEPT_PAGE = /^\/(tasks(\/[^/]+)?|households\/[^/]+)$/;
/**
 * A kept page is found by its path alone: a query string (?from=…) or the headers of the request
 * (a navigation's Accept, the Vary of the answer) never hide it.
 */
const MATCH = { ignoreSearch: true, ignoreVary: true };
/** The one key a page is kept under, whichever way its address was written (absolute, relative). */
const pageKey = (url) => {
  const u = new URL(url, self.location.origin);
  return `${u.origin}${u.pathname}`;
};

self.addEventListener('install', (event) => {
  event.waitUntil(
    caches
      .open(ASSETS)
      .then((cache) => cache.addAll(ASSET_URLS))
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((keys) =>
        Promise.all(keys.filter((k) => ![PAGES, ASSETS].includes(k)).map((k) => caches.delete(k))),
      )
      .then(() => self.clients.claim()),
  );
});

// The task list names the pages to keep: itself, each task's form and each household's page. It
// sends them with a MessageChannel port and is answered on it once every copy is in the cache (or
// could not be fetched): only then may it tell the cadre the pages are ready for offline use. (The
// message used to be fire-and-forget: the page said nothing, and going offline before the fetches
// had finished left forms and household pages missing.)
self.addEventListener('message', (event) => {
  const urls = Array.isArray(event.data?.keep) ? event.data.keep : [];
  const own = urls.filter(
    (u) => typeof u === 'string' && KEPT_PAGE.test(new URL(u, self.location.origin).pathname),
  );
  const [port] = event.ports;
  event.waitUntil(
    keepPages(own).then(
      (missing) => port?.postMessage({ kept: own.length - missing.length, missing }),
      () => port?.postMessage({ kept: 0, missing: own }),
    ),
  );
});

/** Fetches and keeps each page; answers the paths that could not be kept. */
async function keepPages(urls) {
  const cache = await caches.open(PAGES);
  const missing = [];
  await Promise.all(
    urls.map(async (url) => {
      const key = pageKey(url);
      try {
        const response = await fetch(key, { credentials: 'same-origin', cache: 'no-store' });
        if (response.ok && !response.redirected) {
          await cache.put(key, response);
          return;
        }
      } catch {
        // no connection: the copy kept before, if any, stays
      }
      if (!(await cache.match(key, MATCH))) missing.push(new URL(key).pathname);
    }),
  );
  return missing;
}

self.addEventListener('fetch', (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== 'GET' || url.origin !== self.location.origin) return;
  if (url.pathname.startsWith('/static/')) {
    event.respondWith(assetFirstFromNetwork(request));
  } else if (request.mode === 'navigate' && KEPT_PAGE.test(url.pathname)) {
    event.respondWith(pageFromNetworkOrKept(request));
  }
});

/** Scripts and styles: the network when it answers (a deploy's new code), else the kept copy. */
async function assetFirstFromNetwork(request) {
  const cache = await caches.open(ASSETS);
  try {
    const response = await fetch(request);
    if (response.ok) await cache.put(request, response.clone());
    return response;
  } catch {
    return (await cache.match(request, { ignoreSearch: true })) ?? Response.error();
  }
}

async function pageFromNetworkOrKept(request) {
  const cache = await caches.open(PAGES);
  try {
    const response = await fetch(request);
    // A page that redirected (to the log-in page) or failed is not what was asked for: not kept.
    if (response.ok && !response.redirected) await cache.put(pageKey(request.url), response.clone());
    return response;
  } catch {
    const kept = await cache.match(pageKey(request.url), MATCH);
    return kept ?? offlinePage();
  }
}

function offlinePage() {
  const html =
    '<!doctype html><html lang="zh-CN"><meta charset="utf-8">' +
    '<meta name="viewport" content="width=device-width, initial-scale=1"><title>没有网络</title>' +
    '<link rel="stylesheet" href="/static/app.css"><main><h1>没有网络</h1>' +
    '<p>此页面没有保存在本机。请在有信号时打开“我的任务”，任务和走访表单会保存下来供离线使用。</p>' +
    '<p><a href="/tasks">返回我的任务</a></p></main></html>';
  return new Response(html, { status: 503, headers: { 'content-type': 'text/html; charset=utf-8' } });
}
