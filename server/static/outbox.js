// The visits a cadre saved on this phone, waiting in IndexedDB until they are sent. Each carries
// its own idempotency key, made when it was saved: sent twice (a flaky connection, two open pages),
// it is still one visit, and the second send gets the first answer. A refusal (over a cap, the task
// reassigned or already done) is kept on the record with the reason: nothing typed is lost.
(() => {
  const DB_NAME = 'duzhan-outbox';
  const STORE = 'visits';
  const RETRY_MS = 30_000;
  const KEEP_TIMEOUT_MS = 60_000;
  const STATE_LABELS = { pending: '待上传', sent: '已上传', refused: '被退回' };
  const listeners = new Set();

  const request = (r) =>
    new Promise((resolve, reject) => {
      r.onsuccess = () => resolve(r.result);
      r.onerror = () => reject(r.error);
    });
  let dbPromise;
  const db = () => {
    dbPromise ??= new Promise((resolve, reject) => {
      const open = indexedDB.open(DB_NAME, 1);
      open.onupgradeneeded = () => open.result.createObjectStore(STORE, { keyPath: 'id' });
      open.onsuccess = () => resolve(open.result);
      open.onerror = () => reject(open.error);
    });
    return dbPromise;
  };
  const store = async (mode) => (await db()).transaction(STORE, mode).objectStore(STORE);
  const put = async (entry) => request((await store('readwrite')).put(entry));
  const get = async (id) => request((await store('readonly')).get(id));
  const all = async () =>
    ((await request((await store('readonly')).getAll())) ?? []).sort((a, b) =>
      b.savedAt.localeCompare(a.savedAt),
    );
  const changed = () => {
    for (const listener of listeners) listener();
  };

  /** A new key for one visit record: 32 hex digits (getRandomValues works on plain http too). */
  function newKey() {
    return [...crypto.getRandomValues(new Uint8Array(16))]
      .map((b) => b.toString(16).padStart(2, '0'))
      .join('');
  }

  /** Keeps a visit on the phone, state 待上传, and tries to send it at once when there is a connection. */
  async function save(entry) {
    await put({ ...entry, state: 'pending', reason: '', savedAt: new Date().toISOString() });
    changed();
    if (navigator.onLine) await sync();
    return get(entry.id);
  }

  async function remove(id) {
    await request((await store('readwrite')).delete(id));
    changed();
  }

  /** What an answer means for the record: sent, refused for good (with the reason), or try again later. */
  async function verdict(res) {
    const type = res.headers.get('content-type') ?? '';
    const data = type.includes('json') ? await res.json() : undefined;
    if (res.ok) return { data };
    const code = data?.error?.code;
    const message = data?.error?.message ?? `请求失败（${res.status}）`;
    // Not the record's fault: the session ended, the page's token is stale, the server is busy or down.
    if (
      res.status === 401 ||
      res.status === 429 ||
      res.status >= 500 ||
      code === 'csrf' ||
      code === 'must_change_password'
    )
      return { retry: true, message };
    return { refused: true, message };
  }

  async function refuse(entry, message) {
    entry.state = 'refused';
    entry.reason = message;
    await put(entry);
  }

  /** Photos first (each answers with its hash), then the record naming them, under the record's key. */
  async function sendOne(entry, csrfToken) {
    const task = encodeURIComponent(entry.taskId);
    for (const photo of entry.photos) {
      if (photo.sha256) continue;
      const body = new FormData();
      body.append('photo', photo.blob, 'photo.jpg');
      const answer = await verdict(
        await fetch(`/api/tasks/${task}/photos`, {
          method: 'POST',
          headers: { 'x-csrf-token': csrfToken },
          body,
          credentials: 'same-origin',
        }),
      );
      if (answer.retry) return;
      if (answer.refused) return refuse(entry, `照片未能上传：${answer.message}`);
      photo.sha256 = answer.data.sha256;
      await put(entry);
    }
    const record = {
      ...entry.record,
      evidence: { ...entry.record.evidence, photos: entry.photos.map((p) => p.sha256) },
    };
    const answer = await verdict(
      await fetch(`/api/tasks/${task}/complete`, {
        method: 'POST',
        headers: {
          'x-csrf-token': csrfToken,
          'content-type': 'application/json',
          'Idempotency-Key': entry.id,
        },
        body: JSON.stringify({ record }),
        credentials: 'same-origin',
      }),
    );
    if (answer.retry) return;
    if (answer.refused) return refuse(entry, answer.message);
    entry.state = 'sent';
    entry.reason = '';
    entry.sentAt = new Date().toISOString();
    entry.followUpsOpened = answer.data.followUpsOpened?.length ?? 0;
    // Sent: the photos are on the server; the phone keeps their hashes only.
    entry.photos = entry.photos.map((p) => ({ sha256: p.sha256 }));
    await put(entry);
  }

  /** Sends every waiting visit of the logged-in cadre. */
  async function sendWaiting() {
    try {
      const pending = (await all()).filter((e) => e.state === 'pending');
      if (pending.length === 0) return;
      const session = await fetch('/api/session', { credentials: 'same-origin' }).then((r) => r.json());
      const cadreId = session.user?.cadreId;
      for (const entry of pending) {
        if (entry.cadreId !== cadreId) continue; // another account's visit waits for its owner
        await sendOne(entry, session.csrfToken);
      }
    } catch {
      // no connection after all: the records wait for the next try
    } finally {
      changed();
    }
  }

  // One run at a time; a call during a run queues one more (a record saved meanwhile is sent too).
  let tail = Promise.resolve();
  let queued;
  function sync() {
    queued ??= tail.then(() => {
      queued = undefined;
      return sendWaiting();
    });
    tail = queued;
    return queued;
  }

  /** The list on 我的任务: each saved visit with its state, and the tasks it belongs to marked. */
  async function render() {
    const list = document.getElementById('outbox-list');
    if (!list) return;
    const entries = await all();
    document.getElementById('outbox').hidden = entries.length === 0;
    list.replaceChildren(
      ...entries.map((entry) => {
        const li = document.createElement('li');
        li.className = `outbox-${entry.state}`;
        li.dataset.outbox = entry.id;
        li.dataset.task = entry.taskId;
        const state = document.createElement('strong');
        state.className = 'outbox-state';
        state.textContent = STATE_LABELS[entry.state];
        const title = document.createElement('span');
        title.textContent = ` ${entry.title}`;
        const detail = document.createElement('div');
        detail.className = 'muted';
        const photos = entry.photos.length ? ` · 照片 ${entry.photos.length} 张` : '';
        detail.textContent = `保存于 ${new Date(entry.savedAt).toLocaleString('zh-CN')}${photos}`;
        li.append(state, title, detail);
        if (entry.reason) {
          const reason = document.createElement('div');
          reason.className = 'outbox-reason';
          reason.textContent = entry.reason;
          li.append(reason);
        }
        if (entry.state !== 'pending') {
          const button = document.createElement('button');
          button.type = 'button';
          button.textContent = '从本机删除';
          button.addEventListener('click', () => remove(entry.id));
          li.append(button);
        }
        return li;
      }),
    );
    const waiting = new Set(entries.filter((e) => e.state === 'pending').map((e) => e.taskId));
    for (const item of document.querySelectorAll('ul.tasks:not(#outbox-list) li[data-task]'))
      item.classList.toggle('saved-offline', waiting.has(item.dataset.task));
  }

  const OFFLINE_TEXT = '没有网络：显示的是本机保存的任务和表单，走访记录先存在本机。';

  /** What the task list says about offline use: its text, and data-state for scripts and tests. */
  function offlineStatus(state, text) {
    const status = document.getElementById('offline-status');
    if (!status) return;
    status.dataset.state = state;
    status.textContent = text;
  }

  /** The worker in charge of this site, once it has finished activating (its caches are then its own). */
  async function activeWorker() {
    const registration = await navigator.serviceWorker.ready;
    const worker = registration.active;
    if (worker && worker.state !== 'activated')
      await new Promise((resolve) => {
        const settled = () => {
          if (worker.state === 'activated' || worker.state === 'redundant') resolve();
        };
        worker.addEventListener('statechange', settled);
        settled();
      });
    return registration.active;
  }

  /**
   * The task list keeps each task's form and household page for offline use (sw.js), and says so
   * only when the worker answers that every one of them is in its cache.
   */
  async function keepTaskPages() {
    if (!('serviceWorker' in navigator)) return offlineStatus('unsupported', '此浏览器不能离线使用。');
    if (!navigator.onLine) return offlineStatus('offline', OFFLINE_TEXT);
    const urls = ['/tasks'];
    let tasks = 0;
    for (const item of document.querySelectorAll('ul.tasks:not(#outbox-list) li[data-task]')) {
      tasks++;
      urls.push(`/tasks/${encodeURIComponent(item.dataset.task)}`);
      if (item.dataset.household) urls.push(`/households/${encodeURIComponent(item.dataset.household)}`);
    }
    offlineStatus('saving', '正在把任务和走访表单保存到本机，请稍候…');
    try {
      const worker = await activeWorker();
      if (!worker) throw new Error('no service worker');
      // A worker replaced by a new version while it works never answers: after a while, say so.
      const answer = await new Promise((resolve, reject) => {
        const channel = new MessageChannel();
        const timer = setTimeout(() => reject(new Error('no answer')), KEEP_TIMEOUT_MS);
        channel.port1.onmessage = (event) => {
          clearTimeout(timer);
          resolve(event.data);
        };
        worker.postMessage({ keep: urls }, [channel.port2]);
      });
      if (answer.missing.length === 0)
        offlineStatus('ready', `已可离线使用：${tasks} 项任务的走访表单和农户页面已保存在本机。`);
      else
        offlineStatus(
          'incomplete',
          `有 ${answer.missing.length} 个页面未能保存到本机，离线时可能打不开。请在信号好时重新打开“我的任务”。`,
        );
    } catch {
      offlineStatus('incomplete', '未能保存离线页面。请在信号好时重新打开“我的任务”。');
    }
  }

  listeners.add(render);
  window.addEventListener('online', () => {
    sync();
    if (document.getElementById('outbox-list')) keepTaskPages();
  });
  window.addEventListener('offline', () => offlineStatus('offline', OFFLINE_TEXT));
  setInterval(() => {
    if (navigator.onLine) sync();
  }, RETRY_MS);
  document.addEventListener('DOMContentLoaded', () => {
    render();
    if (document.getElementById('outbox-list')) keepTaskPages();
    if (navigator.onLine) sync();
  });
  window.duzhanOutbox = { newKey, save, get, all, remove, sync, STATE_LABELS };
})();
