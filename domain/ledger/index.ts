// 工作台账: export (XLSX, CSV) and all-or-nothing import.
export * from './export-ledger.js';
export * from './import-ledger.js';
export * from './ledger-columns.js';
