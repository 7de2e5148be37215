// The household profile's fields (views/_profile-fields.njk): adds and removes member rows, and reads
// the form into the profile the API takes (members, labourClass, causes, needs, plan, phone).
(() => {
  for (const fieldset of document.querySelectorAll('fieldset.members')) {
    const body = fieldset.querySelector('tbody');
    fieldset.addEventListener('click', (event) => {
      const button = event.target.closest('button');
      if (!button) return;
      if (button.classList.contains('add-member')) {
        const last = body.querySelector('tr.member:last-child');
        const row = last.cloneNode(true);
        for (const input of row.querySelectorAll('input')) {
          if (input.type === 'checkbox') input.checked = false;
          else input.value = '';
        }
        row.querySelector('select').value = 'FULL';
        body.append(row);
        row.querySelector('input').focus();
      }
      if (button.classList.contains('remove-member') && body.querySelectorAll('tr.member').length > 1)
        button.closest('tr').remove();
    });
  }

  function profileOf(form) {
    const value = (name) => form.elements.namedItem(name)?.value ?? '';
    const members = [...form.querySelectorAll('tr.member')].map((row) => {
      const field = (name) => row.querySelector(`[data-field="${name}"]`);
      const age = field('age').value.trim();
      return {
        name: field('name').value,
        relation: field('relation').value,
        // An empty or non-numeric age goes to the server as is, which answers in Chinese.
        age: age === '' || Number.isNaN(Number(age)) ? age : Number(age),
        labourAbility: field('labourAbility').value,
        inSchool: field('inSchool').checked,
        chronicIllness: field('chronicIllness').checked,
      };
    });
    return {
      members,
      labourClass: value('labourClass'),
      causes: value('causes')
        .split(/[、,，;；]/)
        .map((c) => c.trim())
        .filter(Boolean),
      needs: value('needs'),
      plan: value('plan'),
      phone: value('phone'),
    };
  }
  window.duzhanFacts = { profileOf };

  // The household page's facts form: PUT to the API, the server's Chinese message under the form.
  for (const form of document.querySelectorAll('form[data-facts-api]')) {
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      const message = form.querySelector('.message');
      const errors = form.querySelector('.errors');
      errors?.replaceChildren();
      const reason = form.elements.namedItem('reason')?.value ?? '';
      try {
        await window.duzhan.api('PUT', form.dataset.factsApi, { ...profileOf(form), reason });
        window.duzhan.show(message, '家庭信息已保存，督战流程已按新信息重新核算', true);
      } catch (error) {
        window.duzhan.show(message, error.message, false);
        for (const e of Array.isArray(error.details) ? error.details : []) {
          const li = document.createElement('li');
          li.textContent = `${e.path ?? ''} ${e.message}`;
          errors?.append(li);
        }
      }
    });
  }
})();
