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

  // The leader's pages work offline (sw.js). Logging out drops the pages kept for this account, so
  // the next one on this phone never sees them; unsent visits (IndexedDB) stay for their owner.
  if ('serviceWorker' in navigator) navigator.serviceWorker.register('/sw.js').catch(() => {});
  const logout = document.querySelector('form.logout');
  if (logout && 'caches' in window)
    logout.addEventListener('submit', async (event) => {
      event.preventDefault();
      const keys = await caches.keys();
      await Promise.all(keys.filter((k) => k.startsWith('duzhan-pages')).map((k) => caches.delete(k)));
      logout.submit();
    });
})();
