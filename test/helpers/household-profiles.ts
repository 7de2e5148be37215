/** The least a registration takes besides the household's identity: its head as its one member. */
export const headOnlyProfile = (headName: string) => ({
  members: [{ name: headName, relation: '户主', age: 45, labourAbility: 'FULL' as const }],
  labourClass: 'CLASS_3' as const,
});
