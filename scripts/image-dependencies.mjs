// The image's production dependencies, made in its build stage (Dockerfile):
// `npm prune --omit=dev`, keeping the packages gRPC checks load. In the npm
// package they are optional peer dependencies, so a library user installs
// them only for gRPC checks; here they are dev dependencies (for the tests),
// which the lock file marks dev. The sidecar image keeps gRPC checks working:
// they become production dependencies of the image's package.json, the lock
// files go (their flags still say dev), and npm prunes by package.json and
// the installed tree alone, offline: it only removes.
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';

const keep = ['@grpc/grpc-js', 'grpc-health-check'];

const manifest = JSON.parse(readFileSync('package.json', 'utf8'));
for (const name of keep) {
  const range = manifest.devDependencies?.[name];
  if (range === undefined) throw new Error(`image-dependencies.mjs: ${name} is not among the devDependencies of package.json`);
  manifest.dependencies[name] = range;
  delete manifest.devDependencies[name];
}
writeFileSync('package.json', `${JSON.stringify(manifest, null, 2)}\n`);
rmSync('package-lock.json');
rmSync('node_modules/.package-lock.json', { force: true });
execFileSync('npm', ['prune', '--omit=dev', '--offline', '--ignore-scripts', '--no-audit', '--no-fund'], { stdio: 'inherit' });
for (const name of keep) readFileSync(`node_modules/${name}/package.json`);
