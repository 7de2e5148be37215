// Shared by every page: JSON calls to /api with the session's CSRF token, errors shown in Chinese.
(() => {
  const token = () => document.querySelector('meta[name="csrf-token"]')?.getAttribute('content') ?? '';
  async function api(method, url, body, headers = {}) {
    const isForm = body instanceof FormData;
    const res = await fetch(url, {
      method,
      headers: {
        'x-csrf-token': token(),
        ...(body && !isForm ? { 'content-type': 'application/json' } : {}),
        ...headers,
      },
      body: body === undefined ? undefined : isForm ? body : JSON.stringify(body),
      credentials: 'same-origin',
    });
    const type = res.headers.get('content-type') ?? '';
    const data = type.includes('json') ? await res.json() : undefined;
    if (!res.ok) {
      const error = new Error(data?.error?.message ?? `请求失败（${res.status}）`);
      error.details = data?.error?.details;
      error.status = res.status;
      throw error;
    }
    return data;
  }
  function show(el, message, ok) {
    if (!el) return;
    el.textContent = message;
    el.classList.toggle('ok', ok);
    el.classList.toggle('error', !ok);
  }
  window.duzhan = { api, show };

  // The leader's pages work offline (sw.js). At the log-in page the pages kept for the last account
  // are dropped, so the next one on this phone never sees them; unsent visits (IndexedDB) stay.
  if ('serviceWorker' in navigator) {
    navigator.serviceWorker.register('/sw.js').catch(() => {});
    if (window.location.pathname === '/login' && 'caches' in window)
      caches.keys().then((keys) => {
        for (const key of keys) if (key.startsWith('duzhan-pages')) caches.delete(key);
      });
  }
})();
