import ExcelJS from 'exceljs';
import { defuseFormula } from './ledger/export-ledger.js';
import type { DispatchReport } from './queries/report.js';

/**
 * The 调度会 report as a CSV for the meeting's papers: the summary, then village by village, then
 * the overdue work. UTF-8 with a BOM so Excel shows the Chinese.
 */
export async function dispatchReportCsv(report: DispatchReport): Promise<string> {
  const workbook = new ExcelJS.Workbook();
  const sheet = workbook.addWorksheet('调度会报告');
  const s = report.summary;
  sheet.addRows([
    [report.title, `${report.period.sinceDate} 至 ${report.period.untilDate}`],
    ['督战户', s.households, '督战中', s.underSupervision, '稳定脱贫', s.stablyOut, '终止', s.cancelled],
    [
      '逾期任务',
      s.overdueTasks,
      '未关闭督办',
      s.openEscalations,
      '本期新增督办',
      s.escalationsOpened,
      '本期关闭督办',
      s.escalationsClosed,
    ],
    [
      '风险户',
      s.householdsAtRisk,
      '本期走访',
      s.visits,
      '其中达标',
      s.compliantVisits,
      '办结任务',
      s.tasksCompleted,
    ],
    [],
    ['村', '户数', '督战中', '稳定脱贫', '逾期任务', '未关闭督办', '风险户', '本期走访', '新纳入', '退出'],
    ...report.villages.map((v) => [
      v.village.name,
      v.households,
      v.underSupervision,
      v.stablyOut,
      v.overdueTasks,
      v.openEscalations,
      v.atRisk,
      v.visitsInPeriod,
      v.newHouseholds,
      v.exits,
    ]),
    [],
    ['逾期任务', '户编号', '户主', '村', '责任人', '期限', '督办级别'],
    ...report.overdueTasks.map((t) => [
      `${t.kindLabel}：${t.reason}`,
      t.household.number,
      t.household.headName,
      t.household.village.name,
      t.assignee.name,
      t.dueAt,
      t.rung,
    ]),
  ]);
  // Names typed by people reach this sheet: a cell that a spreadsheet would run as a formula is defused.
  sheet.eachRow((row) =>
    row.eachCell((cell) => {
      if (typeof cell.value === 'string') cell.value = defuseFormula(cell.value);
    }),
  );
  const buffer = await workbook.csv.writeBuffer();
  return `\uFEFF${Buffer.from(buffer).toString('utf8')}`;
}
