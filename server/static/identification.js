// 识别纳入 forms: raise a case, import a warning list, act on a step (the home check with its
// profile, read by facts-form.js), record a 公示 objection. Each posts to the JSON API in data-api and
// shows the answer or the server's Chinese message; a step decided reloads the case page.
(() => {
  const bodies = {
    raise: (f) => ({
      ...(f.householdId
        ? { householdId: f.householdId }
        : { number: f.number, headName: f.headName, villageName: f.villageName }),
      source: f.source,
      reason: f.reason,
    }),
    decision: (f, form) => ({
      step: f.step,
      approved: f.approved === 'true',
      reason: f.reason ?? '',
      ...(f.step === 'HOME_CHECK' && f.approved === 'true'
        ? {
            homeCheck: {
              category: f.category,
              consentSigned: f.consentSigned === 'true',
              profile: window.duzhanFacts.profileOf(form),
              ...(f.assistanceCadreId ? { assistanceCadreId: f.assistanceCadreId } : {}),
            },
          }
        : {}),
    }),
    objection: (f) => ({ text: f.text }),
  };
  for (const form of document.querySelectorAll('form[data-identification]')) {
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      const kind = form.dataset.identification;
      const message = form.querySelector('.message');
      const errors = form.querySelector('.errors');
      if (errors) errors.replaceChildren();
      const fields = Object.fromEntries(new FormData(form).entries());
      try {
        const answer =
          kind === 'import'
            ? await window.duzhan.api('POST', form.dataset.api, new FormData(form))
            : await window.duzhan.api('POST', form.dataset.api, bodies[kind](fields, form));
        if (kind === 'raise') {
          window.location.assign(`/identification/${encodeURIComponent(answer.caseId)}`);
          return;
        }
        if (kind === 'import') {
          window.duzhan.show(
            message,
            `已提出 ${answer.raised.length} 个案件，${answer.refused.length} 行未导入`,
            true,
          );
          for (const r of answer.refused) {
            const li = document.createElement('li');
            li.textContent = `第 ${r.row} 行（${r.number}）：${r.message}`;
            errors?.append(li);
          }
          return;
        }
        window.duzhan.show(message, '已提交', true);
        window.location.reload();
      } catch (error) {
        window.duzhan.show(message, error.message, false);
        for (const d of error.details ?? []) {
          const li = document.createElement('li');
          li.textContent = d.message ?? String(d);
          errors?.append(li);
        }
      }
    });
  }
})();
