#!/usr/bin/env node
// What a user of the published packages gets, checked: every published package (packages/*, not
// private) is packed the way it is published (`pnpm pack`, which runs its `prepack` build and rewrites
// `workspace:` ranges), then
//   1. publint (strict: warnings fail) and @arethetypeswrong/cli (profile esm-only: the packages are
//      ESM only, so CommonJS `require` resolution is not checked) read the tarball;
//   2. the tarball and those of the @vjepa packages it depends on are installed with npm into an empty
//      npm project (peers such as @tensorflow/tfjs-core come from the registry, as for a user), every
//      entry point is imported by plain Node (ESM), and a TypeScript file importing every entry point
//      type-checks with `moduleResolution: nodenext`;
//   3. the install holds one @tensorflow/tfjs-core (4.22.0) and no `@tensorflow/tfjs` union.
// @vjepa/backends also trains one gradient step on cpu and on wasm from the installed tarball.
//
//   node scripts/check-packages.mjs                 # all published packages (`.ci/run` runs this)
//   node scripts/check-packages.mjs @vjepa/io ...   # only these (their @vjepa dependencies are packed too)
//   VJEPA_KEEP_PACKAGE_CHECK=1 node scripts/check-packages.mjs   # keep the temporary folder
//
// Needs the npm registry (as `pnpm install` does). Exit code 1 when any check fails.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const BIN = join(ROOT, 'node_modules', '.bin');
const TSC = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
const TFJS_CORE = '4.22.0';
const started = Date.now();

/** The published packages: name, folder, manifest. */
function publishedPackages() {
  const out = new Map();
  for (const dir of readdirSync(join(ROOT, 'packages')).sort()) {
    const file = join(ROOT, 'packages', dir, 'package.json');
    if (!existsSync(file)) continue;
    const manifest = JSON.parse(readFileSync(file, 'utf8'));
    if (manifest.private) continue;
    out.set(manifest.name, { name: manifest.name, dir: join(ROOT, 'packages', dir), manifest });
  }
  return out;
}

/** Runs a command; resolves with its exit code and combined output (never rejects). */
function run(cmd, args, options = {}) {
  return new Promise((done) => {
    const child = spawn(cmd, args, { cwd: options.cwd ?? ROOT, env: { ...process.env, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    child.on('error', (e) => done({ code: 127, output: `${output}${e.message}\n` }));
    child.on('close', (code) => done({ code: code ?? 1, output }));
  });
}

/** Runs `task` over `items`, `limit` at a time, keeping the order of the results. */
async function pool(items, limit, task) {
  const results = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await task(items[i], i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/** pnpm as this script was started by it (`pnpm run check:packages`), else through npx. */
function pnpmCommand() {
  const execPath = process.env.npm_execpath ?? '';
  if (/pnpm/.test(execPath) && existsSync(execPath)) return [process.execPath, [execPath]];
  return ['npx', ['-y', 'pnpm@10.34.8']];
}

/** The @vjepa packages `name` needs at run time, itself included. */
function closure(name, packages) {
  const seen = new Set();
  const visit = (n) => {
    if (seen.has(n)) return;
    seen.add(n);
    const m = packages.get(n).manifest;
    for (const dep of Object.keys({ ...m.dependencies, ...m.peerDependencies })) if (packages.has(dep)) visit(dep);
  };
  visit(name);
  return [...seen];
}

/** The import specifiers of a package's entry points (`@vjepa/x`, `@vjepa/x/testing`, ...). */
function entryPoints(manifest) {
  return Object.keys(manifest.exports ?? { '.': null }).map((k) => (k === '.' ? manifest.name : `${manifest.name}/${k.replace(/^\.\//, '')}`));
}

/** Every installed copy of `pkg` under a node_modules tree: `path -> version`. */
function installedCopies(nodeModules, pkg) {
  const found = [];
  const walk = (dir, depth) => {
    if (depth > 8 || !existsSync(dir)) return;
    const manifest = join(dir, pkg, 'package.json');
    if (existsSync(manifest)) found.push(`${join(dir, pkg)} ${JSON.parse(readFileSync(manifest, 'utf8')).version}`);
    for (const entry of readdirSync(dir)) {
      if (entry.startsWith('.')) continue;
      const scoped = entry.startsWith('@') ? readdirSync(join(dir, entry)).map((e) => join(entry, e)) : [entry];
      for (const name of scoped) {
        const nested = join(dir, name, 'node_modules');
        if (existsSync(nested)) walk(nested, depth + 1);
      }
    }
  };
  walk(nodeModules, 0);
  return found;
}

function sizeMb(dir) {
  let bytes = 0;
  const walk = (d) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      const s = statSync(p, { throwIfNoEntry: false });
      if (!s) continue;
      if (s.isDirectory()) walk(p);
      else bytes += s.size;
    }
  };
  if (existsSync(dir)) walk(dir);
  return (bytes / 1e6).toFixed(1);
}

/** What @vjepa/backends is for, run from its installed tarball: a gradient on cpu and on wasm. */
const BACKENDS_SMOKE = `
import * as tf from '@tensorflow/tfjs-core';
import { setupBackend } from '@vjepa/backends';
for (const name of ['cpu', 'wasm']) {
  const info = await setupBackend(name);
  const g = tf.grad((x) => tf.sum(tf.square(tf.matMul(x, x, false, true))))(tf.tensor2d([1, 2, 3, 4], [2, 2]));
  const got = Array.from(await g.data());
  const want = [4 * (5 * 1 + 11 * 3), 4 * (5 * 2 + 11 * 4), 4 * (11 * 1 + 25 * 3), 4 * (11 * 2 + 25 * 4)];
  if (got.some((v, i) => Math.abs(v - want[i]) > 1e-3)) throw new Error(name + ': gradient ' + got + ', expected ' + want);
  if (typeof tf.ones([2]).sum !== 'function') throw new Error(name + ': chained tensor methods are not registered');
  console.log('backends smoke: ' + info.backend + ' gradient ok');
}
`;

async function main() {
  const packages = publishedPackages();
  const asked = process.argv.slice(2).filter((a) => !a.startsWith('-'));
  for (const a of asked) if (!packages.has(a)) throw new Error(`check-packages: ${a} is not a published package (expected one of ${[...packages.keys()].join(', ')})`);
  const checked = asked.length > 0 ? asked : [...packages.keys()];
  const toPack = [...new Set(checked.flatMap((n) => closure(n, packages)))].sort();
  const work = mkdtempSync(join(tmpdir(), 'vjepa-packages-'));
  const tarballs = join(work, 'tarballs');
  mkdirSync(tarballs);
  const jobs = Math.max(1, Math.min(availableParallelism(), 4));
  const failures = [];
  const fail = (name, step, output) => {
    failures.push(`${name}: ${step}`);
    console.log(`FAIL ${name}: ${step}\n${output.trim().split('\n').map((l) => `    ${l}`).join('\n')}`);
  };
  console.log(`check-packages: ${checked.length} package(s) to check, ${toPack.length} to pack, in ${work} (${jobs} at a time)`);

  // 1. pack (prepack builds each package)
  const [pnpm, pnpmArgs] = pnpmCommand();
  const tarballOf = new Map();
  await pool(toPack, jobs, async (name) => {
    const p = packages.get(name);
    const t0 = Date.now();
    const r = await run(pnpm, [...pnpmArgs, 'pack', '--pack-destination', tarballs], { cwd: p.dir });
    const file = r.output.split('\n').map((l) => l.trim()).reverse().find((l) => l.endsWith('.tgz'));
    if (r.code !== 0 || !file) return fail(name, 'pnpm pack', r.output);
    tarballOf.set(name, resolve(p.dir, file));
    const manifest = JSON.parse((await run('tar', ['-xOzf', tarballOf.get(name), 'package/package.json'])).output);
    const leftover = Object.entries({ ...manifest.dependencies, ...manifest.peerDependencies }).filter(([, v]) => String(v).startsWith('workspace:'));
    if (leftover.length > 0) return fail(name, 'workspace ranges left in the packed package.json', JSON.stringify(leftover));
    console.log(`packed ${name} (${((Date.now() - t0) / 1000).toFixed(0)} s)`);
  });

  // 2. publint and attw on each tarball; 3. install into an empty npm project, import, type-check
  await pool(
    checked.filter((n) => closure(n, packages).every((d) => tarballOf.has(d))),
    jobs,
    async (name) => {
      const p = packages.get(name);
      const tgz = tarballOf.get(name);
      const lint = await run(join(BIN, 'publint'), ['run', tgz, '--strict']);
      if (lint.code !== 0) fail(name, 'publint --strict', lint.output);
      const attw = await run(join(BIN, 'attw'), [tgz, '--profile', 'esm-only', '--no-definitely-typed', '--format', 'ascii', '--no-color']);
      if (attw.code !== 0) fail(name, 'attw --profile esm-only', attw.output);

      const project = join(work, 'smoke', name.replace('/', '__'));
      mkdirSync(project, { recursive: true });
      writeFileSync(join(project, 'package.json'), `${JSON.stringify({ name: 'smoke', version: '0.0.0', private: true, type: 'module' }, null, 2)}\n`);
      const deps = closure(name, packages).map((d) => tarballOf.get(d));
      const t0 = Date.now();
      const install = await run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error', ...deps, '@types/node@^20.19.0'], { cwd: project });
      if (install.code !== 0) return fail(name, 'npm install of the tarballs into an empty project', install.output);
      const installSeconds = ((Date.now() - t0) / 1000).toFixed(0);

      const entries = entryPoints(p.manifest);
      const imports = `${entries.map((e, i) => `const m${i} = await import('${e}');\nif (Object.keys(m${i}).length === 0) throw new Error('${e} exports nothing');`).join('\n')}\nconsole.log('imported ${entries.join(', ')}');\n`;
      writeFileSync(join(project, 'import.mjs'), imports);
      const esm = await run(process.execPath, ['import.mjs'], { cwd: project });
      if (esm.code !== 0) fail(name, 'ESM import of every entry point from the installed tarball', esm.output);

      writeFileSync(join(project, 'types.mts'), `${entries.map((e, i) => `import * as m${i} from '${e}';`).join('\n')}\nexport const exported: string[] = [${entries.map((_, i) => `...Object.keys(m${i})`).join(', ')}];\n`);
      const tsconfig = { compilerOptions: { module: 'nodenext', moduleResolution: 'nodenext', target: 'es2022', strict: true, noEmit: true, types: ['node'], skipLibCheck: true }, files: ['types.mts'] };
      writeFileSync(join(project, 'tsconfig.json'), `${JSON.stringify(tsconfig, null, 2)}\n`);
      const types = await run(process.execPath, [TSC, '-p', 'tsconfig.json'], { cwd: project });
      if (types.code !== 0) fail(name, 'types of every entry point (tsc, moduleResolution nodenext)', types.output);

      const cores = installedCopies(join(project, 'node_modules'), '@tensorflow/tfjs-core');
      if (cores.some((c) => !c.endsWith(` ${TFJS_CORE}`)) || cores.length > 1) fail(name, `one @tensorflow/tfjs-core ${TFJS_CORE} installed`, cores.join('\n'));
      if (installedCopies(join(project, 'node_modules'), '@tensorflow/tfjs').length > 0) fail(name, 'no @tensorflow/tfjs union installed', installedCopies(join(project, 'node_modules'), '@tensorflow/tfjs').join('\n'));

      let extra = '';
      if (name === '@vjepa/backends') {
        writeFileSync(join(project, 'backends-smoke.mjs'), BACKENDS_SMOKE);
        const smoke = await run(process.execPath, ['backends-smoke.mjs'], { cwd: project });
        if (smoke.code !== 0) fail(name, 'a gradient on cpu and wasm from the installed tarball', smoke.output);
        else extra = ', a gradient on cpu and wasm';
      }
      console.log(`checked ${name} (tarball ${(statSync(tgz).size / 1e3).toFixed(0)} kB): publint, attw, npm install (${installSeconds} s, node_modules ${sizeMb(join(project, 'node_modules'))} MB), import, types${extra}`);
    },
  );

  const seconds = ((Date.now() - started) / 1000).toFixed(0);
  if (process.env.VJEPA_KEEP_PACKAGE_CHECK === '1') console.log(`kept ${work}`);
  else rmSync(work, { recursive: true, force: true });
  if (failures.length > 0) {
    console.log(`check-packages: ${failures.length} failure(s) in ${seconds} s:\n${failures.map((f) => `  ${f}`).join('\n')}`);
    process.exit(1);
  }
  console.log(`check-packages: ${checked.length} packages packed, linted (publint, attw), installed from their tarballs, imported and type-checked in ${seconds} s`);
}

await main();
