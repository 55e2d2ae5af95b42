import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// The repository stands alone: a clone copied into an empty folder passes its tests (.ci/run tests it
// that way), so nothing may point outside it, and every fixture the tests read is in fixtures/.

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const SKIP_DIRS = new Set(['node_modules', 'dist', '.git', '.turbo', 'runs', '.cache', '.device', 'coverage']);
const TEXT = /\.(ts|mts|mjs|js|json|md|yaml|yml|sh|py|txt)$|^run$/;
/** This file names the patterns it looks for. */
const SELF = fileURLToPath(import.meta.url);

/** Text files of the repository (no dependencies, build output or generated bundles). */
function textFiles(dir = ROOT): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    if (SKIP_DIRS.has(name)) continue;
    const p = join(dir, name);
    const s = statSync(p);
    if (s.isDirectory()) out.push(...textFiles(p));
    else if (TEXT.test(name) && name !== 'pnpm-lock.yaml' && s.size < 2_000_000 && p !== SELF) out.push(p);
  }
  return out;
}

describe('the repository is self-contained', () => {
  it('no code, test, config or doc points outside the repository (../shared, shared/docs, shared/fixtures, /work/)', () => {
    const outside = /\.\.\/shared\b|\bshared\/(docs|fixtures)\b|\/work\//;
    const found: string[] = [];
    for (const file of textFiles()) {
      readFileSync(file, 'utf8')
        .split('\n')
        .forEach((line, i) => {
          if (outside.test(line)) found.push(`${relative(ROOT, file)}:${i + 1}: ${line.trim().slice(0, 120)}`);
        });
    }
    expect(found).toEqual([]);
  });

  it('every fixture folder or file a test names is in fixtures/ (and fixtures/README.md lists each folder)', () => {
    const named = new Set<string>();
    for (const file of textFiles().filter((f) => /\.test\.ts$|[\\/]test[\\/]/.test(f))) {
      for (const m of readFileSync(file, 'utf8').matchAll(/(?:\.\.\/)+fixtures\/([\w.-]+)/g)) named.add(m[1]);
    }
    expect(named.size).toBeGreaterThan(3);
    const missing = [...named].filter((n) => !existsSync(join(ROOT, 'fixtures', n)));
    expect(missing).toEqual([]);
    const readme = readFileSync(join(ROOT, 'fixtures', 'README.md'), 'utf8');
    const unlisted = readdirSync(join(ROOT, 'fixtures')).filter((n) => statSync(join(ROOT, 'fixtures', n)).isDirectory() && !readme.includes(`\`${n}/`));
    expect(unlisted).toEqual([]);
  });
});
