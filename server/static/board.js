// Charts on the supervision board, drawn by Chart.js from /api/charts (see domain/queries/charts.ts).
(async () => {
  if (!window.Chart) return;
  const data = await window.duzhan.api('GET', '/api/charts?weeks=12');
  const draw = (id, config) => {
    const canvas = document.getElementById(id);
    if (canvas)
      new window.Chart(canvas, {
        ...config,
        options: { responsive: true, animation: false, ...config.options },
      });
  };
  const lines = (series) => series.map((s) => ({ label: s.label, data: s.values }));
  draw('chart-status', {
    type: 'line',
    data: { labels: data.labels, datasets: [...lines(data.categories), ...lines(data.statuses)] },
    options: { plugins: { title: { display: true, text: '各类别、各状态户数（每周）' } } },
  });
  draw('chart-overdue', {
    type: 'bar',
    data: {
      labels: data.labels,
      datasets: [
        { label: '逾期任务', data: data.overdueTasks },
        { label: '督办', data: data.escalationsOpened },
      ],
    },
    options: { plugins: { title: { display: true, text: '每周逾期和督办' } } },
  });
  const households = data.income.households;
  draw('chart-income', {
    type: 'bar',
    data: {
      labels: households.map((h) => h.headName),
      datasets: [
        { label: '人均纯收入（元）', data: households.map((h) => h.incomeYuan) },
        {
          type: 'line',
          label: `收入线 ${data.income.lineYuan} 元`,
          data: households.map(() => data.income.lineYuan),
          pointRadius: 0,
        },
      ],
    },
    options: { plugins: { title: { display: true, text: '最近一次走访的人均纯收入与收入线' } } },
  });
})().catch((error) => console.error(error));
