// Admin forms: each posts its fields to the JSON API named in data-api ({field} is filled in from
// the form) and shows the answer, or the server's Chinese message, under the form.
(() => {
  const bodies = {
    register: (f, form) => ({
      number: f.number,
      headName: f.headName,
      villageName: f.villageName,
      category: f.category,
      ...window.duzhanFacts.profileOf(form),
    }),
    shock: (f) => ({ householdIds: f.householdIds.split(/[\s,，]+/).filter(Boolean), reason: f.reason }),
    closing: (f) => ({ step: f.step, approved: f.approved === 'true', note: f.note }),
    lifecycle: (f) =>
      f.action === 'cancel'
        ? { reason: f.cancelReason, note: f.reason }
        : f.action === 'pause'
          ? { reason: f.reason }
          : {},
  };
  // The register form's first member is the head: their name follows 户主姓名 until edited.
  const register = document.getElementById('register');
  if (register) {
    const headName = register.elements.namedItem('headName');
    let mirrored = '';
    headName.addEventListener('input', () => {
      const first = register.querySelector('tr.member [data-field="name"]');
      if (first && (first.value === '' || first.value === mirrored)) first.value = headName.value;
      mirrored = headName.value;
    });
  }
  for (const form of document.querySelectorAll('form[data-api]')) {
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      const message = form.querySelector('.message');
      const fields = Object.fromEntries(new FormData(form).entries());
      const url = form.dataset.api.replace(/\{(\w+)\}/g, (_, k) => encodeURIComponent(fields[k] ?? ''));
      const errors = form.querySelector('.errors');
      if (errors) errors.replaceChildren();
      try {
        let result;
        if (form.enctype === 'multipart/form-data')
          result = await window.duzhan.api('POST', url, new FormData(form));
        else
          result = await window.duzhan.api(
            'POST',
            url,
            bodies[form.id] ? bodies[form.id](fields, form) : fields,
          );
        // On the household page the workflow has taken the change; the page shows it once reloaded.
        const done = describe(form.id, result);
        window.duzhan.show(
          message,
          form.closest('#household-actions') ? `${done}，刷新页面可看到该户的最新状态` : done,
          true,
        );
      } catch (error) {
        window.duzhan.show(message, error.message, false);
        for (const e of Array.isArray(error.details) ? error.details : []) {
          const li = document.createElement('li');
          li.textContent = e.row
            ? `第 ${e.row} 行 ${e.column ?? ''}：${e.message}`
            : `${e.path ?? ''} ${e.message}`;
          errors?.append(li);
        }
      }
    });
  }
  function describe(id, result) {
    if (id === 'register')
      return `已登记 ${result.household.headName} 户，督战流程已启动（${result.household.workflowId}）`;
    if (id === 'import') {
      const refused = result.factsNotUpdated?.length
        ? `；${result.factsNotUpdated.length} 户的督战流程拒绝了新信息：${result.factsNotUpdated.map((f) => `${f.householdId} ${f.message}`).join('；')}`
        : '';
      return `新登记 ${result.imported} 户（督战流程已启动），更新 ${result.updated} 户的家庭信息${refused}`;
    }
    return '已完成';
  }
})();
