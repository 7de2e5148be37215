// Accounts and village map pages: each action calls the JSON API and shows the answer (or the
// server's Chinese message). A generated password is shown once, in the page, never stored.
(() => {
  const { api, show } = window.duzhan;
  const message = document.getElementById('account-message');

  const actions = {
    'password-reset': {
      confirm: (name) => `重置 ${name} 的密码？其已登录的会话会立即失效。`,
      done: (r, name) => `${name} 的新密码：${r.password}（只显示这一次，请当面交给本人；首次登录必须修改）`,
    },
    deactivate: {
      confirm: (name) => `停用 ${name} 的账号？其已登录的会话会立即失效。`,
      done: (_r, name) => `已停用 ${name} 的账号`,
    },
    activate: { confirm: (name) => `重新启用 ${name} 的账号？`, done: (_r, name) => `已启用 ${name} 的账号` },
  };
  for (const button of document.querySelectorAll('button[data-action]')) {
    button.addEventListener('click', async () => {
      const action = actions[button.dataset.action];
      const name = button.dataset.name;
      if (!action || !window.confirm(action.confirm(name))) return;
      try {
        const result = await api(
          'POST',
          `/api/users/${encodeURIComponent(button.dataset.user)}/${button.dataset.action}`,
        );
        show(message, action.done(result, name), true);
      } catch (error) {
        show(message, error.message, false);
      }
    });
  }

  const form = document.getElementById('new-account');
  form?.addEventListener('submit', async (event) => {
    event.preventDefault();
    const data = new FormData(form);
    const body = {
      username: data.get('username'),
      displayName: data.get('displayName'),
      cadreId: data.get('cadreId') || null,
      capabilities: data.getAll('capabilities'),
    };
    try {
      const result = await api('POST', '/api/users', body);
      show(
        form.querySelector('.message'),
        `已新建账号 ${result.user.username}，初始密码：${result.password}（只显示这一次；首次登录必须修改）`,
        true,
      );
    } catch (error) {
      show(form.querySelector('.message'), error.message, false);
    }
  });

  const change = document.getElementById('change-account');
  change?.addEventListener('submit', async (event) => {
    event.preventDefault();
    const data = new FormData(change);
    const body = { cadreId: data.get('cadreId') || null, capabilities: data.getAll('capabilities') };
    try {
      const result = await api('PUT', `/api/users/${encodeURIComponent(data.get('userId'))}`, body);
      show(change.querySelector('.message'), `已保存 ${result.user.username}；该账号须重新登录`, true);
    } catch (error) {
      show(change.querySelector('.message'), error.message, false);
    }
  });

  for (const leaders of document.querySelectorAll('form.village-leaders')) {
    leaders.addEventListener('submit', async (event) => {
      event.preventDefault();
      const data = new FormData(leaders);
      const body = {};
      for (const key of ['villageLeaderId', 'leaderInChargeId']) if (data.get(key)) body[key] = data.get(key);
      try {
        await api('PUT', leaders.dataset.api, body);
        show(leaders.querySelector('.message'), '已保存', true);
      } catch (error) {
        show(leaders.querySelector('.message'), error.message, false);
      }
    });
  }
})();
