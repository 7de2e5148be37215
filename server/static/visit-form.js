// The visit form: builds the record the workflow's update expects, checks amounts against the
// policy's caps as the cadre types (the server checks again), and submits through the JSON API.
(() => {
  const data = JSON.parse(document.getElementById('form-data').textContent);
  const form = document.getElementById('visit-form');
  const message = document.getElementById('form-message');
  const fmt = (n) => `${Number(n).toLocaleString('zh-CN')} 元`;
  // One key for this form's completion, made when the record is saved on the phone (outbox.js):
  // sending it again, from here or from the outbox, gets the first answer instead of a second visit.
  const outbox = window.duzhanOutbox;
  let idempotencyKey = outbox.newKey();
  const rules = data.policy.visitEvidence;

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

  // Photos: taken with the camera, redrawn on a canvas as JPEG (which writes no EXIF: no position,
  // no camera), scaled down until within the policy's edge and size. Kept as blobs until sent.
  const photos = [];
  const previews = document.getElementById('photo-previews');
  const photoError = document.getElementById('photo-error');
  const photoInput = form.elements.photos;

  async function resized(file) {
    const bitmap = await createImageBitmap(file);
    let scale = Math.min(1, rules.maxPhotoEdgePx / Math.max(bitmap.width, bitmap.height));
    let quality = 0.85;
    for (;;) {
      const canvas = document.createElement('canvas');
      canvas.width = Math.max(1, Math.round(bitmap.width * scale));
      canvas.height = Math.max(1, Math.round(bitmap.height * scale));
      canvas.getContext('2d').drawImage(bitmap, 0, 0, canvas.width, canvas.height);
      const blob = await new Promise((resolve) => canvas.toBlob(resolve, 'image/jpeg', quality));
      if (blob && blob.size <= rules.maxPhotoBytes) return blob;
      if (quality > 0.5) quality -= 0.15;
      else scale *= 0.75;
      if (Math.max(canvas.width, canvas.height) < 200) throw new Error('照片无法压缩到规定大小');
    }
  }

  function showPhotos() {
    previews.replaceChildren(
      ...photos.map((blob, index) => {
        const figure = document.createElement('figure');
        const img = document.createElement('img');
        img.src = URL.createObjectURL(blob);
        img.alt = `入户照片 ${index + 1}`;
        const remove = document.createElement('button');
        remove.type = 'button';
        remove.className = 'remove';
        remove.title = '删除照片';
        remove.textContent = '✕';
        remove.addEventListener('click', () => {
          photos.splice(index, 1);
          showPhotos();
        });
        figure.append(img, remove);
        return figure;
      }),
    );
    photoInput.disabled = photos.length >= rules.maxPhotos;
  }

  photoInput.addEventListener('change', async () => {
    photoError.textContent = '';
    for (const file of [...photoInput.files]) {
      if (photos.length >= rules.maxPhotos) {
        photoError.textContent = `每次走访最多 ${rules.maxPhotos} 张照片`;
        break;
      }
      try {
        photos.push(await resized(file));
      } catch {
        photoError.textContent = '只能选择照片（图片文件）';
      }
    }
    photoInput.value = '';
    showPhotos();
  });

  // The location, asked once when the form opens; without it, the cadre says why.
  let location;
  const locationStatus = document.getElementById('location-status');
  const reasonLabel = document.getElementById('location-reason');
  const REASONS = { 1: '未允许定位', 2: '无法获取位置（没有定位信号）', 3: '定位超时' };
  function noLocation(reason) {
    locationStatus.textContent = `未能获取走访位置：${reason}。请填写原因后提交。`;
    reasonLabel.hidden = false;
    form.elements.locationMissingReason.value ||= reason;
  }
  if ('geolocation' in navigator) {
    navigator.geolocation.getCurrentPosition(
      (position) => {
        const { latitude, longitude, accuracy } = position.coords;
        location = { latitude, longitude, accuracyMeters: Math.round(accuracy * 10) / 10 };
        locationStatus.textContent = `已获取走访位置（精度约 ${Math.round(accuracy)} 米）`;
        reasonLabel.hidden = true;
      },
      (error) => noLocation(REASONS[error.code] ?? '无法获取位置'),
      { enableHighAccuracy: true, timeout: 20_000, maximumAge: 60_000 },
    );
  } else noLocation('手机不支持定位');

  function evidence() {
    if (location) return { location };
    return { locationMissingReason: form.elements.locationMissingReason.value.trim() || '未能获取位置' };
  }

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (!checkCaps()) return window.duzhan.show(message, '有金额超过政策上限，请修改后再提交', false);
    const button = form.querySelector('button[type=submit]');
    button.disabled = true;
    window.duzhan.show(message, '正在保存…', true);
    try {
      const saved = await outbox.save({
        id: idempotencyKey,
        cadreId: data.cadreId,
        taskId: data.taskId,
        title: document.querySelector('h1').textContent.trim(),
        record: { ...record(), evidence: evidence() },
        photos: photos.map((blob) => ({ blob })),
      });
      if (saved.state === 'refused') {
        // Nothing is lost: the record stays listed on 我的任务 with the reason. An edited record is a
        // new one, with a new key.
        window.duzhan.show(message, `被退回：${saved.reason}`, false);
        idempotencyKey = outbox.newKey();
        button.disabled = false;
        return;
      }
      const followUps = saved.followUpsOpened ?? 0;
      window.duzhan.show(
        message,
        saved.state === 'sent'
          ? `已提交。${followUps ? `发现问题，已生成 ${followUps} 项整改任务。` : ''}`
          : '已保存在本机（待上传），有信号时自动上传。',
        true,
      );
      setTimeout(() => {
        window.location.href = '/tasks';
      }, 1200);
    } catch (error) {
      window.duzhan.show(message, `未能保存：${error.message}`, false);
      button.disabled = false;
    }
  });
})();
