// The visit form: builds the record the workflow's update expects, checks amounts against the
// policy's caps as the cadre types (the server checks again), and submits through the JSON API.
(() => {
  const data = JSON.parse(document.getElementById('form-data').textContent);
  const form = document.getElementById('visit-form');
  const message = document.getElementById('form-message');
  const fmt = (n) => `${Number(n).toLocaleString('zh-CN')} 元`;
  // One key for this form's completion: pressing again, or sending again after an error, gets the
  // first answer instead of a second visit. (getRandomValues works on plain http too.)
  const idempotencyKey = [...crypto.getRandomValues(new Uint8Array(16))]
    .map((b) => b.toString(16).padStart(2, '0'))
    .join('');

  const visitedAt = form.elements.visitedAt;
  const now = new Date(Date.now() + 8 * 3600_000); // shown in Beijing time
  visitedAt.value = now.toISOString().slice(0, 16);

  function addRow(templateId, containerId) {
    const row = document.getElementById(templateId).content.firstElementChild.cloneNode(true);
    row.querySelector('.remove').addEventListener('click', () => {
      row.remove();
      checkCaps();
    });
    row.addEventListener('input', checkCaps);
    document.getElementById(containerId).append(row);
    return row;
  }
  document.getElementById('add-measure').addEventListener('click', () => addRow('measure-row', 'measures'));
  document.getElementById('add-cost').addEventListener('click', () => addRow('cost-row', 'costs'));

  const measures = () =>
    [...document.querySelectorAll('#measures .measure')].map((row) => ({
      row,
      kind: row.querySelector('[name=kind]').value,
      amountYuan: Number(row.querySelector('[name=amountYuan]').value || 0),
      persons: Number(row.querySelector('[name=persons]').value || 1),
    }));

  /** The same rules as policy/measure-caps.ts, per kind over this visit's measures. */
  function checkCaps() {
    let ok = true;
    const list = measures();
    for (const m of list) m.row.querySelector('.field-error').textContent = '';
    const byKind = new Map();
    for (const m of list) byKind.set(m.kind, [...(byKind.get(m.kind) ?? []), m]);
    for (const [kind, items] of byKind) {
      const cap = data.policy.measureCaps[kind];
      if (!cap) continue;
      const total = items.reduce((s, m) => s + m.amountYuan, 0);
      const persons = items.reduce((s, m) => s + m.persons, 0);
      const label = data.measureLabels[kind];
      let problem = '';
      if (cap.onlyCategories && !cap.onlyCategories.includes(data.household.category))
        problem = `${label}不适用于该户的类别`;
      else if (cap.perPersonYuan !== undefined && persons > data.household.memberCount)
        problem = `受益人数超过家庭人口 ${data.household.memberCount} 人`;
      else if (cap.perPersonYuan !== undefined && total > cap.perPersonYuan * persons)
        problem = `${label}每人不超过 ${fmt(cap.perPersonYuan)}，${persons} 人合计不超过 ${fmt(cap.perPersonYuan * persons)}`;
      else if (cap.perHouseholdYuan !== undefined && total > cap.perHouseholdYuan)
        problem = `${label}每户不超过 ${fmt(cap.perHouseholdYuan)}`;
      if (problem) {
        ok = false;
        items[0].row.querySelector('.field-error').textContent = problem;
      }
    }
    return ok;
  }

  function record() {
    const g = (key) => ({
      ok: form.elements[`g-${key}`].value === 'ok',
      ...(form.elements[`note-${key}`].value ? { note: form.elements[`note-${key}`].value } : {}),
    });
    return {
      visitedAt: `${visitedAt.value}:00+08:00`,
      visitorCadreId: data.cadreId,
      perCapitaIncomeYuan:
        form.elements.perCapitaIncomeYuan.value === ''
          ? undefined
          : Number(form.elements.perCapitaIncomeYuan.value),
      guarantees: Object.fromEntries(data.guaranteeKeys.map((k) => [k, g(k)])),
      measures: measures().map(({ kind, amountYuan, persons }) => ({ kind, amountYuan, persons })),
      largeCosts: [...document.querySelectorAll('#costs .measure')].map((row) => ({
        description: row.querySelector('[name=description]').value,
        amountYuan: Number(row.querySelector('[name=amountYuan]').value || 0),
        resolved: row.querySelector('[name=resolved]').checked,
      })),
      notes: form.elements.notes.value,
    };
  }

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (!checkCaps()) return window.duzhan.show(message, '有金额超过政策上限，请修改后再提交', false);
    const button = form.querySelector('button[type=submit]');
    button.disabled = true;
    window.duzhan.show(message, '正在提交…', true);
    try {
      const result = await window.duzhan.api(
        'POST',
        `/api/tasks/${encodeURIComponent(data.taskId)}/complete`,
        { record: record() },
        { 'Idempotency-Key': idempotencyKey },
      );
      const followUps = result.followUpsOpened.length;
      window.duzhan.show(
        message,
        `已提交。${followUps ? `发现问题，已生成 ${followUps} 项整改任务。` : ''}`,
        true,
      );
      setTimeout(() => {
        window.location.href = '/tasks';
      }, 1200);
    } catch (error) {
      window.duzhan.show(message, error.message, false);
      button.disabled = false;
    }
  });
})();
