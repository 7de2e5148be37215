// The policy page: save a draft (the server checks it and answers what changes), publish a draft,
// start or resume an upgrade, and follow its progress while it runs.
(() => {
  const { api, show } = window.duzhan;
  const cell = (text, strong) => {
    const td = document.createElement('td');
    if (strong) {
      const b = document.createElement('strong');
      b.textContent = text;
      td.append(b);
    } else td.textContent = text;
    return td;
  };

  const draft = document.getElementById('draft-policy');
  draft?.addEventListener('submit', async (event) => {
    event.preventDefault();
    const message = draft.querySelector('.message');
    const errors = draft.querySelector('.errors');
    const diff = draft.querySelector('.draft-diff');
    errors.replaceChildren();
    diff.replaceChildren();
    let policy;
    try {
      policy = JSON.parse(draft.policy.value);
    } catch {
      show(message, '策略不是有效的 JSON，请检查括号、逗号和引号', false);
      return;
    }
    try {
      const saved = await api('POST', '/api/policy/versions', { policy, note: draft.note.value });
      show(
        message,
        `已保存草稿 ${saved.version}，与现行版本 ${saved.comparedWith} 不同之处 ${saved.changes.length} 项；刷新页面后可发布`,
        true,
      );
      const table = document.createElement('table');
      table.className = 'policy-diff';
      for (const c of saved.changes) {
        const tr = document.createElement('tr');
        tr.append(cell(c.label), cell(c.from), cell(c.to, true));
        table.append(tr);
      }
      diff.append(table);
    } catch (error) {
      show(message, error.message, false);
      for (const e of Array.isArray(error.details) ? error.details : []) {
        const li = document.createElement('li');
        li.textContent = `${e.path ?? ''} ${e.message}`;
        errors.append(li);
      }
    }
  });

  for (const button of document.querySelectorAll('button.publish')) {
    button.addEventListener('click', async () => {
      const message = document.getElementById('publish-message');
      const version = button.dataset.version;
      if (!window.confirm(`发布 ${version} 后，新纳入督战的农户按它执行。确定发布？`)) return;
      try {
        await api('POST', `/api/policy/versions/${encodeURIComponent(version)}/publish`, {});
        show(message, `已发布 ${version}`, true);
        window.location.reload();
      } catch (error) {
        show(message, error.message, false);
      }
    });
  }

  const upgrade = document.getElementById('upgrade-policy');
  upgrade?.addEventListener('submit', async (event) => {
    event.preventDefault();
    const message = upgrade.querySelector('.message');
    const data = new FormData(upgrade);
    try {
      const started = await api('POST', '/api/policy/upgrades', {
        version: data.get('version'),
        villageIds: data.getAll('villageIds'),
        categories: data.getAll('categories'),
      });
      show(message, started.alreadyRunning ? '升级正在进行，继续中' : '已开始升级', true);
      follow();
    } catch (error) {
      show(message, error.message, false);
    }
  });

  // While an upgrade runs, its row is refreshed every few seconds.
  const table = document.getElementById('policy-upgrades');
  async function refresh() {
    const { upgrades } = await api('GET', '/api/policy/upgrades');
    const rows = upgrades.map((u) => {
      const tr = document.createElement('tr');
      tr.dataset.version = u.version;
      tr.dataset.status = u.status;
      const p = u.progress;
      const reasons = p ? p.failures.map((f) => `${f.householdId}：${f.reason}`).join('\n') : '';
      tr.append(
        cell(u.version),
        cell(u.statusLabel),
        cell(p ? `${p.done} / ${p.total}` : '—'),
        cell(p ? String(p.failed) : '—'),
        cell(reasons),
      );
      return tr;
    });
    const [header, ...old] = table.querySelectorAll('tr');
    for (const tr of old) tr.remove();
    header.parentElement.append(...rows);
    return upgrades.some((u) => u.status === 'RUNNING');
  }
  let following = false;
  async function follow() {
    if (following) return;
    following = true;
    try {
      while (await refresh()) await new Promise((r) => setTimeout(r, 3000));
    } catch {
      // The table keeps its last figures; a reload tries again.
    } finally {
      following = false;
    }
  }
  if (table?.querySelector('tr[data-status="RUNNING"]')) follow();
})();
