import { describe, expect, it } from 'vitest';
import {
  type Actor,
  accountLabel,
  decideAccess,
  homePath,
  householdScope,
  mayCompleteTask,
  mayDecideClosingStep,
  taskListScope,
} from '../../domain/access.js';

const cadre: Actor = { cadreId: 'c1', capabilities: [] };
const secretary: Actor = { cadreId: 'c9', capabilities: ['SUPERVISE'] };
const admin: Actor = { cadreId: null, capabilities: ['ADMINISTER'] };
const county: Actor = { cadreId: 'county', capabilities: ['APPROVE_COUNTY'] };

// The pure rules of domain/access.ts; the API and pages walking them are in test/api/roles.test.ts.
describe('access rules', () => {
  it('a generated password must be changed before anything but the own account', () => {
    const fresh = { ...secretary, mustChangePassword: true };
    expect(decideAccess('oversee', fresh)).toBe('mustChangePassword');
    expect(decideAccess('ownAccount', fresh)).toBe('allowed');
    expect(homePath(fresh)).toBe('/account/password');
    expect(decideAccess('oversee', undefined)).toBe('unauthenticated');
  });

  it('the paired cadres complete a task, whatever their rank; nobody else does', () => {
    const task = { assigneeId: 'c1', householdCadreIds: ['c1', 'c9'] };
    expect(mayCompleteTask('c1', task)).toBe(true);
    expect(mayCompleteTask('c9', task)).toBe(true); // the paired 党委书记
    expect(mayCompleteTask('c2', task)).toBe(false);
    expect(mayCompleteTask(null, task)).toBe(false);
    expect(mayCompleteTask('c3', { assigneeId: 'c3', householdCadreIds: [] })).toBe(true); // moved to them
  });

  it('县级审批 is the county approver’s only; the township steps are the leadership’s', () => {
    for (const step of ['VILLAGE_REVIEW', 'PUBLIC_NOTICE', 'TOWNSHIP_REVIEW'] as const) {
      expect(mayDecideClosingStep(secretary, step)).toBe(true);
      expect(mayDecideClosingStep(county, step)).toBe(false);
      expect(mayDecideClosingStep(admin, step)).toBe(false);
    }
    expect(mayDecideClosingStep(county, 'COUNTY_APPROVAL')).toBe(true);
    expect(mayDecideClosingStep(secretary, 'COUNTY_APPROVAL')).toBe(false);
  });

  it('scopes households: all for oversight, the cadre’s own, the closing ones for the county', () => {
    expect(householdScope(secretary)).toEqual({ all: true });
    expect(householdScope(admin)).toEqual({ all: true });
    expect(householdScope(cadre)).toEqual({ all: false, cadreId: 'c1', closing: false });
    expect(householdScope(county)).toEqual({ all: false, cadreId: 'county', closing: true });
  });

  it('gives oversight the township’s task list, a cadre its own, and refuses the rest', () => {
    expect(taskListScope(secretary)).toEqual({ scope: 'all' });
    expect(taskListScope(secretary, 'mine')).toEqual({ scope: 'mine', cadreId: 'c9' });
    expect(taskListScope(cadre)).toEqual({ scope: 'mine', cadreId: 'c1' });
    expect(() => taskListScope(cadre, 'all')).toThrow('您的账号无权进行此操作');
    expect(() => taskListScope(admin, 'mine')).toThrow('账号未关联干部');
  });

  it('lands each account where its work is, and names what it is', () => {
    expect([cadre, secretary, admin, county].map(homePath)).toEqual([
      '/tasks',
      '/board',
      '/admin',
      '/closing',
    ]);
    expect(homePath({ cadreId: 'c1', capabilities: ['ADMINISTER'] })).toBe('/tasks');
    expect(accountLabel(secretary)).toBe('帮扶干部、督战领导');
    expect(accountLabel(admin)).toBe('管理员');
  });
});
