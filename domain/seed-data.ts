// The demo township of the seed work plan (XX乡脱贫攻坚挂牌督战工作方案): its villages, leadership,
// 帮扶责任人 and the 49 key households (三类重点户) with their members. Pure and deterministic: a
// fixed-seed PRNG drives every choice, so the same ids, names and families come out every time
// and loading the seed twice can be recognised as the same data.
import type { CadreRank, HouseholdCategory, LabourAbility, LabourClass } from '../policy/index.js';

// ---------------------------------------------------------------------------------------------
// Types

/** 致贫原因, in the order the ledger lists them (the main cause first). */
export const POVERTY_CAUSES = [
  '因病',
  '因残',
  '因学',
  '缺劳力',
  '缺技术',
  '缺资金',
  '因灾',
  '交通条件落后',
  '自身发展动力不足',
] as const;
export type PovertyCause = (typeof POVERTY_CAUSES)[number];

export const MEMBER_RELATIONS = ['户主', '配偶', '子女', '父母', '孙子女'] as const;
export type MemberRelation = (typeof MEMBER_RELATIONS)[number];

export interface SeedVillage {
  id: string;
  name: string;
  isPoor: boolean;
  /** The village's 包村领导 and its 分管负责人 (the map escalation climbs), set once the cadres exist. */
  villageLeaderId: string;
  leaderInChargeId: string;
}

export interface SeedCadre {
  id: string;
  name: string;
  email: string;
  phone: string;
  rank: CadreRank;
  /** The villages a 包村领导 or 帮扶责任人 covers; empty for the township leadership. */
  villageIds: string[];
}

export interface SeedMember {
  id: string;
  name: string;
  relation: MemberRelation;
  age: number;
  labourAbility: LabourAbility;
  inSchool: boolean;
  chronicIllness: boolean;
}

export interface SeedHousehold {
  /** The household number doubles as the id, as for households registered through the API. */
  id: string;
  number: string;
  headName: string;
  villageId: string;
  category: HouseholdCategory;
  labourClass: LabourClass;
  causes: PovertyCause[];
  needs: string;
  plan: string;
  /** The head of household first. */
  members: SeedMember[];
  /** The original 帮扶责任人: an ASSISTANCE_CADRE covering the household's village. */
  assistanceCadreId: string;
}

export interface SeedTownship {
  township: { id: string; name: string };
  villages: SeedVillage[];
  cadres: SeedCadre[];
  households: SeedHousehold[];
  /** When the original 帮扶责任人 took the households on (the ASSISTANCE assignments' `from`). */
  assistanceSince: string;
}

// ---------------------------------------------------------------------------------------------
// The seed's figures and the township's shape

const PRNG_SEED = 20240101;
const COUNTY_PREFIX = '620123';
const TOWNSHIP_CODE = '01';
const ASSISTANCE_SINCE = '2024-01-01T00:00:00+08:00';

/**
 * The seed's three kinds of key household. The labour-class split is ours (the plan gives only the
 * totals); 未脱贫户 lean on 兜底, and the households where nobody can work are among the CLASS_4 ones.
 */
interface CategoryPlan {
  category: HouseholdCategory;
  households: number;
  people: number;
  labourClasses: Record<LabourClass, number>;
  noLabourHouseholds: number;
}

const CATEGORY_PLANS: readonly CategoryPlan[] = [
  {
    category: 'UNLIFTED',
    households: 10,
    people: 34,
    labourClasses: { CLASS_1: 1, CLASS_2: 2, CLASS_3: 2, CLASS_4: 5 },
    noLabourHouseholds: 2,
  },
  {
    category: 'MONITORED',
    households: 13,
    people: 55,
    labourClasses: { CLASS_1: 3, CLASS_2: 4, CLASS_3: 3, CLASS_4: 3 },
    noLabourHouseholds: 0,
  },
  {
    category: 'MARGINAL',
    households: 26,
    people: 103,
    labourClasses: { CLASS_1: 7, CLASS_2: 8, CLASS_3: 7, CLASS_4: 4 },
    noLabourHouseholds: 1,
  },
];

/** Most key households live in the two 建档立卡贫困村 (the first two). */
const VILLAGE_PLANS: ReadonlyArray<{ name: string; isPoor: boolean; households: number }> = [
  { name: '石门村', isPoor: true, households: 19 },
  { name: '杨家沟村', isPoor: true, households: 17 },
  { name: '马莲滩村', isPoor: false, households: 4 },
  { name: '柳树湾村', isPoor: false, households: 3 },
  { name: '红崖村', isPoor: false, households: 3 },
  { name: '上庄村', isPoor: false, households: 3 },
];

/** Leadership ranks in the order their cadres are numbered (LEADER_IN_CHARGE: 3 of them). */
const LEADERSHIP: ReadonlyArray<{ rank: CadreRank; count: number }> = [
  { rank: 'PARTY_SECRETARY', count: 1 },
  { rank: 'TOWNSHIP_HEAD', count: 1 },
  { rank: 'LEADER_IN_CHARGE', count: 3 },
];

/**
 * The villages (indices into VILLAGE_PLANS) each 帮扶责任人 covers: about four households per cadre,
 * the small villages shared, so every village has at least one and nobody covers more than two.
 */
const ASSISTANCE_COVERAGE: ReadonlyArray<readonly number[]> = [
  [0],
  [0],
  [0],
  [0],
  [0, 2],
  [1],
  [1],
  [1],
  [1, 3],
  [2, 3],
  [4, 5],
  [4, 5],
];

const SURNAMES = [
  '王',
  '李',
  '张',
  '刘',
  '陈',
  '杨',
  '赵',
  '马',
  '何',
  '郭',
  '周',
  '魏',
  '孙',
  '朱',
  '高',
  '罗',
  '韩',
  '田',
  '汪',
  '苏',
  '丁',
  '牛',
  '包',
  '尚',
] as const;

type Sex = 'M' | 'F';

const GIVEN_NAMES: Record<Sex, readonly string[]> = {
  M: [
    '建国',
    '德福',
    '志强',
    '海军',
    '永平',
    '成林',
    '文华',
    '国栋',
    '玉林',
    '守仁',
    '宏伟',
    '长生',
    '明亮',
    '金山',
    '振华',
    '有福',
    '学军',
    '春生',
    '天明',
    '世杰',
    '斌',
    '军',
    '勇',
    '刚',
    '涛',
    '鹏',
  ],
  F: [
    '秀英',
    '桂兰',
    '玉梅',
    '春花',
    '淑珍',
    '晓燕',
    '丽娟',
    '红霞',
    '彩霞',
    '金花',
    '海燕',
    '小梅',
    '兰英',
    '凤琴',
    '雪梅',
    '翠萍',
    '芳',
    '静',
    '娟',
    '霞',
  ],
};

const NEEDS_BY_CAUSE: Record<PovertyCause, string> = {
  因病: '医疗救助、家庭医生签约服务',
  因残: '残疾人两项补贴、康复服务',
  因学: '教育资助（两免一补、营养餐）',
  缺劳力: '兜底保障、互助合作',
  缺技术: '职业技能培训',
  缺资金: '产业发展资金',
  因灾: '灾后恢复生产',
  交通条件落后: '产业路和出行条件改善',
  自身发展动力不足: '扶志扶智、激发内生动力',
};

const INDUSTRIES = ['肉牛养殖', '肉羊养殖', '中药材种植', '马铃薯种植', '蔬菜大棚', '土鸡养殖'] as const;
const PUBLIC_POSTS = ['护林员', '保洁员', '护路员'] as const;

// ---------------------------------------------------------------------------------------------
// Deterministic randomness

/** mulberry32: tiny, fast and good enough to pick names and ages; the same seed, the same data. */
function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

interface Random {
  /** An integer in [min, max]. */
  int(min: number, max: number): number;
  chance(probability: number): boolean;
  pick<T>(items: readonly T[]): T;
  shuffle<T>(items: readonly T[]): T[];
}

function createRandom(seed: number): Random {
  const next = mulberry32(seed);
  const int = (min: number, max: number) => min + Math.floor(next() * (max - min + 1));
  const pick = <T>(items: readonly T[]): T => {
    const item = items[int(0, items.length - 1)];
    if (item === undefined) throw new Error('cannot pick from an empty list');
    return item;
  };
  const shuffle = <T>(items: readonly T[]): T[] => {
    const out = [...items];
    for (let i = out.length - 1; i > 0; i--) {
      const j = int(0, i);
      [out[i], out[j]] = [out[j] as T, out[i] as T];
    }
    return out;
  };
  return { int, chance: (p) => next() < p, pick, shuffle };
}

// ---------------------------------------------------------------------------------------------
// Names

/** Hands out names not given before, so cadres and heads of household can be told apart. */
function createNamer(random: Random) {
  const used = new Set<string>();
  const nameOf = (surname: string, sex: Sex) => surname + random.pick(GIVEN_NAMES[sex]);
  return {
    surname: () => random.pick(SURNAMES),
    /** A name no one else has (after a few tries; the lists are far larger than the township). */
    unique(surname: string, sex: Sex): string {
      let name = nameOf(surname, sex);
      for (let tries = 0; used.has(name) && tries < 50; tries++) name = nameOf(surname, sex);
      used.add(name);
      return name;
    },
    /** A name unlike the ones in `taken` (within one household). */
    distinctFrom(taken: readonly string[], surname: string, sex: Sex): string {
      let name = nameOf(surname, sex);
      for (let tries = 0; taken.includes(name) && tries < 50; tries++) name = nameOf(surname, sex);
      return name;
    },
  };
}
type Namer = ReturnType<typeof createNamer>;

const pad = (n: number, width: number) => String(n).padStart(width, '0');

// ---------------------------------------------------------------------------------------------
// Villages and cadres

function villageId(index: number): string {
  return `seed-village-${pad(index + 1, 2)}`;
}

function buildVillages(): Array<Omit<SeedVillage, 'villageLeaderId' | 'leaderInChargeId'>> {
  return VILLAGE_PLANS.map((plan, index) => ({ id: villageId(index), name: plan.name, isPoor: plan.isPoor }));
}

/**
 * Each village's 包村领导 is the one who covers it; the 分管负责人 share the villages in turn (the plan
 * gives each a part of the township), so every village has both.
 */
function mapVillageLeaders(
  villages: Array<Omit<SeedVillage, 'villageLeaderId' | 'leaderInChargeId'>>,
  cadres: readonly SeedCadre[],
): SeedVillage[] {
  const inCharge = cadres.filter((c) => c.rank === 'LEADER_IN_CHARGE');
  return villages.map((village, index) => {
    const leader = cadres.find((c) => c.rank === 'VILLAGE_LEADER' && c.villageIds.includes(village.id));
    const charge = inCharge[index % inCharge.length];
    if (!leader || !charge) throw new Error(`village ${village.id} lacks a leader in the seed plan`);
    return { ...village, villageLeaderId: leader.id, leaderInChargeId: charge.id };
  });
}

function buildCadres(random: Random, namer: Namer): SeedCadre[] {
  const roles: Array<{ rank: CadreRank; villageIds: string[] }> = [
    ...LEADERSHIP.flatMap(({ rank, count }) =>
      Array.from({ length: count }, () => ({ rank, villageIds: [] })),
    ),
    ...VILLAGE_PLANS.map((_, index) => ({ rank: 'VILLAGE_LEADER' as const, villageIds: [villageId(index)] })),
    ...ASSISTANCE_COVERAGE.map((villages) => ({
      rank: 'ASSISTANCE_CADRE' as const,
      villageIds: villages.map(villageId),
    })),
  ];
  return roles.map(({ rank, villageIds }, index) => {
    const number = pad(index + 1, 2);
    const sex: Sex = random.chance(0.7) ? 'M' : 'F';
    return {
      id: `seed-cadre-${number}`,
      name: namer.unique(namer.surname(), sex),
      // The .example TLD is reserved: mail to the demo cadres can never reach a real mailbox.
      email: `cadre${number}@duzhan.example`,
      phone: `138000000${number}`,
      rank,
      villageIds,
    };
  });
}

// ---------------------------------------------------------------------------------------------
// Household sizes: exact totals per category

/** WORKING: someone can work; SUPPORTED: 兜底 with partial labour at most; NO_LABOUR: nobody can work. */
type LabourProfile = 'WORKING' | 'SUPPORTED' | 'NO_LABOUR';

interface HouseholdOutline {
  category: HouseholdCategory;
  labourClass: LabourClass;
  profile: LabourProfile;
  size: number;
}

const SIZE_RANGES: Record<LabourProfile, { min: number; max: number }> = {
  WORKING: { min: 2, max: 7 },
  SUPPORTED: { min: 1, max: 6 },
  NO_LABOUR: { min: 1, max: 2 }, // an elderly person living alone, or an elderly couple
};

function profilesOf(plan: CategoryPlan): Array<{ labourClass: LabourClass; profile: LabourProfile }> {
  const classes = Object.entries(plan.labourClasses) as Array<[LabourClass, number]>;
  return classes.flatMap(([labourClass, count]) =>
    Array.from({ length: count }, (_, i) => ({
      labourClass,
      profile:
        labourClass !== 'CLASS_4' ? 'WORKING' : i < plan.noLabourHouseholds ? 'NO_LABOUR' : 'SUPPORTED',
    })),
  );
}

/** Sizes within each household's range that add up to exactly `total` people. */
function distributeSizes(random: Random, ranges: ReadonlyArray<{ min: number; max: number }>, total: number) {
  const sizes = ranges.map((r) => r.min);
  let remaining = total - sizes.reduce((a, b) => a + b, 0);
  const capacity = ranges.reduce((sum, r) => sum + r.max - r.min, 0);
  if (remaining < 0 || remaining > capacity)
    throw new Error(`cannot fit ${total} people in these households`);
  for (; remaining > 0; remaining--) {
    const growable = sizes.flatMap((size, i) => (size < (ranges[i]?.max ?? 0) ? [i] : []));
    const chosen = random.pick(growable);
    sizes[chosen] = (sizes[chosen] ?? 0) + 1;
  }
  return sizes;
}

function outlineCategory(random: Random, plan: CategoryPlan): HouseholdOutline[] {
  const profiles = random.shuffle(profilesOf(plan));
  if (profiles.length !== plan.households) throw new Error(`${plan.category}: labour classes do not add up`);
  const sizes = distributeSizes(
    random,
    profiles.map((p) => SIZE_RANGES[p.profile]),
    plan.people,
  );
  return profiles.map((p, i) => ({ category: plan.category, ...p, size: sizes[i] ?? 1 }));
}

// ---------------------------------------------------------------------------------------------
// Families

interface Person {
  relation: MemberRelation;
  age: number;
  sex: Sex;
}

const clampAge = (age: number) => Math.max(0, Math.min(95, age));

function headAge(random: Random, profile: LabourProfile): number {
  if (profile === 'NO_LABOUR') return random.int(70, 84);
  if (profile === 'SUPPORTED') return random.int(42, 72);
  return random.int(28, 55); // of working age, so the head is the household's labour
}

/** Head, spouse, maybe a parent, then children (and grandchildren when the head is older). */
function composeFamily(random: Random, size: number, profile: LabourProfile): Person[] {
  const head: Person = {
    relation: '户主',
    age: headAge(random, profile),
    sex: random.chance(0.85) ? 'M' : 'F',
  };
  const family: Person[] = [head];
  const spouseSex: Sex = head.sex === 'M' ? 'F' : 'M';
  if (family.length < size && (profile === 'NO_LABOUR' || random.chance(0.88)))
    family.push({ relation: '配偶', age: clampAge(head.age + random.int(-5, 3)), sex: spouseSex });
  if (size - family.length >= 2 && head.age <= 50 && random.chance(0.4))
    family.push({
      relation: '父母',
      age: clampAge(head.age + random.int(24, 30)),
      sex: random.pick(['M', 'F']),
    });
  const descendants = size - family.length;
  const children = head.age >= 55 ? Math.min(descendants, random.int(1, 2)) : descendants;
  let age = head.age - random.int(22, 30);
  for (let i = 0; i < children; i++, age -= random.int(1, 4))
    family.push({ relation: '子女', age: clampAge(age), sex: random.pick(['M', 'F']) });
  for (let i = children; i < descendants; i++)
    family.push({ relation: '孙子女', age: random.int(1, 14), sex: random.pick(['M', 'F']) });
  return family;
}

interface Condition {
  labourAbility: LabourAbility;
  inSchool: boolean;
  chronicIllness: boolean;
}

/** Labour by age alone: children and pupils none, the elderly partial then none. */
function conditionByAge(random: Random, person: Person): Condition {
  const { age } = person;
  const inSchool = age >= 6 && age <= 17; // 义务教育, then 高中
  if (age < 18) return { labourAbility: 'NONE', inSchool, chronicIllness: false };
  if (age >= 70) return { labourAbility: 'NONE', inSchool, chronicIllness: random.chance(0.4) };
  if (age >= 60) return { labourAbility: 'PARTIAL', inSchool, chronicIllness: random.chance(0.3) };
  return { labourAbility: 'FULL', inSchool, chronicIllness: false };
}

/** A working-age adult of a 兜底 household: ill or disabled, never fully able to work. */
function supportedAdult(random: Random): Condition {
  const roll = random.int(1, 10);
  if (roll <= 6) return { labourAbility: 'PARTIAL', inSchool: false, chronicIllness: true };
  return { labourAbility: roll <= 8 ? 'PARTIAL' : 'NONE', inSchool: false, chronicIllness: false }; // 残疾
}

/** Makes each member's labour agree with the household's labour class. */
function conditionsFor(random: Random, family: Person[], profile: LabourProfile): Condition[] {
  const conditions = family.map((person) => conditionByAge(random, person));
  if (profile === 'NO_LABOUR') return conditions.map((c) => ({ ...c, labourAbility: 'NONE' }));
  if (profile === 'SUPPORTED') {
    const adjusted = conditions.map((c) => (c.labourAbility === 'FULL' ? supportedAdult(random) : c));
    const head = adjusted[0];
    // 兜底 needs a reason; when age alone gave none, the head is the one who is ill.
    if (head && !adjusted.some((c) => c.chronicIllness) && adjusted.filter((c) => c.inSchool).length < 2)
      adjusted[0] = {
        ...head,
        chronicIllness: true,
        labourAbility: head.labourAbility === 'NONE' ? 'NONE' : 'PARTIAL',
      };
    return adjusted;
  }
  // WORKING: the head stays fully able to work; another adult may be ill and work less.
  return conditions.map((c, i) =>
    i > 0 && c.labourAbility === 'FULL' && random.chance(0.08)
      ? { ...c, labourAbility: 'PARTIAL', chronicIllness: true }
      : c,
  );
}

type MemberFacts = Omit<SeedMember, 'id'>;

/** The surname a member is born with: children take their father's, the head's father the head's. */
function surnameOf(
  person: Person,
  surnames: { head: string; spouse: string; children: string },
  namer: Namer,
) {
  if (person.relation === '配偶') return surnames.spouse;
  if (person.relation === '父母') return person.sex === 'M' ? surnames.head : namer.surname();
  return surnames.children;
}

function nameFamily(namer: Namer, family: Person[]): string[] {
  const head = family[0];
  if (!head) return [];
  const hasSpouse = family.some((p) => p.relation === '配偶');
  const headSurname = namer.surname();
  const spouseSurname = namer.surname();
  const surnames = {
    head: headSurname,
    spouse: spouseSurname,
    children: head.sex === 'F' && hasSpouse ? spouseSurname : headSurname,
  };
  const names: string[] = [namer.unique(surnames.head, head.sex)];
  for (const person of family.slice(1))
    names.push(namer.distinctFrom(names, surnameOf(person, surnames, namer), person.sex));
  return names;
}

function buildMembers(random: Random, namer: Namer, outline: HouseholdOutline): MemberFacts[] {
  const family = composeFamily(random, outline.size, outline.profile);
  const conditions = conditionsFor(random, family, outline.profile);
  const names = nameFamily(namer, family);
  return family.map((person, i) => ({
    name: names[i] ?? '',
    relation: person.relation,
    age: person.age,
    labourAbility: conditions[i]?.labourAbility ?? 'NONE',
    inSchool: conditions[i]?.inSchool ?? false,
    chronicIllness: conditions[i]?.chronicIllness ?? false,
  }));
}

// ---------------------------------------------------------------------------------------------
// 致贫原因, 帮扶需求 and 一户一策

const isWorkingAge = (m: MemberFacts) => m.age >= 18 && m.age < 60;

function causesOf(
  random: Random,
  outline: HouseholdOutline,
  members: ReadonlyArray<MemberFacts>,
): PovertyCause[] {
  const found = new Set<PovertyCause>();
  const ableToWork = members.filter((m) => m.labourAbility === 'FULL').length;
  if (members.some((m) => m.chronicIllness)) found.add('因病');
  if (members.some((m) => isWorkingAge(m) && m.labourAbility !== 'FULL' && !m.chronicIllness))
    found.add('因残');
  if (members.filter((m) => m.inSchool).length >= 2) found.add('因学');
  if (ableToWork === 0 || (ableToWork === 1 && members.length >= 4)) found.add('缺劳力');
  if (outline.labourClass === 'CLASS_1') found.add('缺资金');
  if (outline.labourClass === 'CLASS_2') found.add('缺技术');
  if (outline.labourClass === 'CLASS_3')
    found.add(random.pick(['缺技术', '缺资金', '交通条件落后'] as const));
  if (outline.category === 'MARGINAL' && random.chance(0.2)) found.add('因灾');
  if (random.chance(0.08)) found.add('自身发展动力不足');
  // The ledger records the main causes: at most three, in the standard order.
  return POVERTY_CAUSES.filter((cause) => found.has(cause)).slice(0, 3);
}

function planFor(random: Random, outline: HouseholdOutline, members: ReadonlyArray<MemberFacts>): string {
  const steps: string[] = [];
  const workers = members.filter((m) => m.labourAbility === 'FULL').length;
  if (outline.labourClass === 'CLASS_1')
    steps.push(`发展${random.pick(INDUSTRIES)}，落实到户产业奖补和“五小”产业扶持`);
  if (outline.labourClass === 'CLASS_2')
    steps.push(`组织${workers}名劳动力有组织输转务工（优先天津南开区），落实转移就业补助和职业技能培训`);
  if (outline.labourClass === 'CLASS_3')
    steps.push(`开发${random.pick(PUBLIC_POSTS)}公益专岗，参与合作社交售饲草、参与劳务、合作分红`);
  if (outline.labourClass === 'CLASS_4') {
    const alone = outline.profile === 'NO_LABOUR' && members.length === 1;
    steps.push(`纳入${alone ? '五保' : '低保'}兜底，“政府救助+互助合作”增收`);
  }
  if (outline.category === 'MARGINAL' && outline.profile !== 'NO_LABOUR')
    steps.push('按边缘户标准在“一户一策”扶持项目菜单中选取种养或就业项目');
  if (members.some((m) => m.chronicIllness)) steps.push('落实医保扶贫和大病救助');
  if (members.some((m) => m.inSchool)) steps.push('落实“两免一补”和营养餐政策，控辍保学');
  steps.push('动态监测两不愁三保障和饮水安全');
  return `${steps.join('；')}。`;
}

// ---------------------------------------------------------------------------------------------
// Households: villages, numbers and their 帮扶责任人

/** One village per household: the villages' quotas, dealt out in a shuffled order. */
function dealVillages(random: Random, count: number): number[] {
  const slots = VILLAGE_PLANS.flatMap((plan, index) => Array.from({ length: plan.households }, () => index));
  if (slots.length !== count) throw new Error('the villages do not hold every household');
  return random.shuffle(slots);
}

/** 13 digits: county (6) + township (2) + village (2) + serial within the village (3). */
function householdNumber(villageIndex: number, serial: number): string {
  return `${COUNTY_PREFIX}${TOWNSHIP_CODE}${pad(villageIndex + 1, 2)}${pad(serial, 3)}`;
}

/** The least-loaded 帮扶责任人 covering the village (ties: the lower id), as a township would share them. */
function assignAssistanceCadres(households: SeedHousehold[], cadres: SeedCadre[]): void {
  const assistance = cadres.filter((c) => c.rank === 'ASSISTANCE_CADRE');
  const load = new Map(assistance.map((c) => [c.id, 0]));
  for (const household of households) {
    const candidates = assistance.filter((c) => c.villageIds.includes(household.villageId));
    const [chosen] = candidates.sort(
      (a, b) => (load.get(a.id) ?? 0) - (load.get(b.id) ?? 0) || a.id.localeCompare(b.id),
    );
    if (!chosen) throw new Error(`no 帮扶责任人 covers ${household.villageId}`);
    household.assistanceCadreId = chosen.id;
    load.set(chosen.id, (load.get(chosen.id) ?? 0) + 1);
  }
}

function buildHouseholds(random: Random, namer: Namer): SeedHousehold[] {
  const outlines = CATEGORY_PLANS.flatMap((plan) => outlineCategory(random, plan));
  const villages = dealVillages(random, outlines.length);
  const serials = new Map<number, number>();
  const households = outlines.map((outline, i): SeedHousehold => {
    const villageIndex = villages[i] ?? 0;
    const serial = (serials.get(villageIndex) ?? 0) + 1;
    serials.set(villageIndex, serial);
    const number = householdNumber(villageIndex, serial);
    const members = buildMembers(random, namer, outline);
    const causes = causesOf(random, outline, members);
    return {
      id: number,
      number,
      headName: members[0]?.name ?? '',
      villageId: villageId(villageIndex),
      category: outline.category,
      labourClass: outline.labourClass,
      causes,
      needs: causes.map((cause) => NEEDS_BY_CAUSE[cause]).join('；'),
      plan: planFor(random, outline, members),
      members: members.map((m, j) => ({ id: `${number}-${pad(j + 1, 2)}`, ...m })),
      assistanceCadreId: '', // set by assignAssistanceCadres, once the ledger order is known
    };
  });
  return households.sort((a, b) => a.number.localeCompare(b.number));
}

// ---------------------------------------------------------------------------------------------

/** The seed township: the same data on every call. */
export function generateSeedTownship(): SeedTownship {
  const random = createRandom(PRNG_SEED);
  const namer = createNamer(random);
  const villages = buildVillages();
  const cadres = buildCadres(random, namer);
  const households = buildHouseholds(random, namer);
  assignAssistanceCadres(households, cadres);
  return {
    township: { id: 'seed-township', name: 'XX乡' },
    villages: mapVillageLeaders(villages, cadres),
    cadres,
    households,
    assistanceSince: ASSISTANCE_SINCE,
  };
}
