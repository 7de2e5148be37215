// Read-model queries over PostgreSQL (never Temporal). Each answers plain, JSON-able data.
export * from './board.js';
export * from './cadres.js';
export * from './charts.js';
export * from './households.js';
export * from './pagination.js';
export * from './report.js';
export * from './shared.js';
export * from './standing.js';
export * from './tasks.js';
