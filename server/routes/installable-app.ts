import { Router } from 'express';

const staticFile = (name: string) => new URL(`../static/${name}`, import.meta.url).pathname;

/**
 * What makes the leader's pages an installable web app: the manifest, and the service worker at the
 * root (a worker's scope is the folder it is served from, so it cannot live under /static/). The
 * worker is always revalidated, so a deploy's new version is picked up at the next visit.
 */
export function installableAppRouter(): Router {
  const router = Router();
  router.get('/sw.js', (_req, res) => {
    res.setHeader('cache-control', 'no-cache');
    res.sendFile(staticFile('sw.js'));
  });
  router.get('/manifest.webmanifest', (_req, res) => {
    res.type('application/manifest+json');
    res.setHeader('cache-control', 'no-cache');
    res.sendFile(staticFile('manifest.webmanifest'));
  });
  return router;
}
