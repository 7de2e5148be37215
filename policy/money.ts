// Amounts of money in yuan: summed to the fen (分) so that 0.1 + 0.2 compares as 0.3, and
// printed without locale data (workflow code must not depend on the host's ICU).

export function sumYuan(amounts: readonly number[]): number {
  return Math.round(amounts.reduce((total, amount) => total + amount * 100, 0)) / 100;
}

export function formatYuan(amount: number): string {
  return Number.isInteger(amount) ? `${amount} 元` : `${amount.toFixed(2)} 元`;
}
