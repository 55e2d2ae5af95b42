#!/usr/bin/env node
// Every published package's `prepack` (run by `pnpm pack` and `pnpm publish`, in the package's folder):
// refuses a packer that would publish `workspace:` ranges as written, then builds the package, so that
// a tarball always holds a fresh dist/ (ESM and .d.ts).
//
// pnpm rewrites `workspace:^` to the real version range in the packed package.json; npm and yarn 1
// do not, and a package published with `"@vjepa/io": "workspace:^"` cannot be installed by anyone.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const pkg = JSON.parse(readFileSync('package.json', 'utf8'));
const agent = process.env.npm_config_user_agent ?? '';
const fields = ['dependencies', 'peerDependencies', 'optionalDependencies'];
const workspaceRanges = fields.flatMap((f) => Object.entries(pkg[f] ?? {}).filter(([, range]) => String(range).startsWith('workspace:')).map(([name, range]) => `${name}@${range}`));

if (workspaceRanges.length > 0 && !agent.startsWith('pnpm/')) {
  const packer = agent.split(' ')[0] || 'this packer';
  console.error(
    [
      `${pkg.name}: refusing to pack with ${packer}: it would publish ${workspaceRanges.join(', ')} as written, which no one can install.`,
      '  expected: pnpm, which rewrites workspace: ranges to the real versions in the packed package.json',
      '  hint: from the repository root, `npx pnpm@10.34.8 --filter ' + pkg.name + ' pack` (or `pnpm publish`; releases: `pnpm release`).',
    ].join('\n'),
  );
  process.exit(1);
}

// Build with the workspace's tsup (this script only runs inside the repository).
const tsup = join(createRequire(import.meta.url).resolve('tsup/package.json'), '..', 'dist', 'cli-default.js');
const built = spawnSync(process.execPath, [tsup], { stdio: 'inherit' });
process.exit(built.status ?? 1);
