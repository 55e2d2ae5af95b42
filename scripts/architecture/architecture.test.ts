import { readFileSync } from 'node:fs';
import { join, sep } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, type Workspace, findCycle, importsOf, isTestFile, packageOf, rel, resolveRelative, runtimeFiles, sourceFiles, workspaceOf, workspaces } from './imports';

// The layering of docs/architecture.md, checked: who may import whom, and that the README's diagram
// says what the package.json files say.

const all = workspaces();
const byName = new Map(all.map((w) => [w.name, w]));
/** Every source file the checks read: packages, apps, experiments, benchmarks and these scripts. */
const files = [...all.flatMap((w) => sourceFiles(w.dir)), ...sourceFiles(join(ROOT, 'scripts'))];

/** Dependencies declared without an import, each with its reason. */
const DECLARED_NOT_IMPORTED: Record<string, string> = {
  // the apps (and experiments) provide the tfjs-core peer of the packages they run: they choose its version
  '@vjepa/app-train:@tensorflow/tfjs-core': 'peer of the packages, provided by the app',
  '@vjepa/app-eval:@tensorflow/tfjs-core': 'peer of the packages, provided by the app',
};

function workspaceDeps(w: Workspace, fields: ('dependencies' | 'devDependencies' | 'peerDependencies' | 'optionalDependencies')[]): Set<string> {
  return new Set(fields.flatMap((f) => Object.keys(w[f])));
}

describe('imports', () => {
  it('no file imports from apps/*/src outside its app, and nothing imports an app package', () => {
    const bad: string[] = [];
    for (const file of files) {
      const home = workspaceOf(file, all);
      for (const spec of importsOf(file)) {
        if (packageOf(spec)?.startsWith('@vjepa/app-')) bad.push(`${rel(file)} imports ${spec}`);
        const target = spec.startsWith('.') ? resolveRelative(file, spec) : null;
        const app = target ? all.find((w) => w.kind === 'app' && target.startsWith(w.dir + sep)) : undefined;
        if (app && home !== app) bad.push(`${rel(file)} imports ${rel(target!)}`);
      }
    }
    expect(bad).toEqual([]);
  });

  it("no file imports another package's files by path (only its published entry points)", () => {
    const bad: string[] = [];
    for (const file of files) {
      const home = workspaceOf(file, all);
      for (const spec of importsOf(file)) {
        if (!spec.startsWith('.')) continue;
        const target = resolveRelative(file, spec);
        if (target === null) continue; // fixtures and generated files are not modules of another package
        const owner = workspaceOf(target, all);
        if (owner !== undefined && owner !== home) bad.push(`${rel(file)} imports ${rel(target)} of ${owner.name}`);
      }
    }
    expect(bad).toEqual([]);
  });

  it('no app depends on another app', () => {
    const apps = all.filter((w) => w.kind === 'app');
    for (const app of apps) {
      const deps = workspaceDeps(app, ['dependencies', 'devDependencies', 'peerDependencies']);
      expect([...deps].filter((d) => apps.some((a) => a.name === d))).toEqual([]);
    }
  });

  it('library packages never pick a backend (only the apps and their probe and train pools use @vjepa/backends)', () => {
    const bad: string[] = [];
    for (const w of all.filter((x) => x.kind === 'package' && x.name !== '@vjepa/backends' && x.name !== '@vjepa/probe-pool' && x.name !== '@vjepa/train-pool')) {
      for (const file of sourceFiles(join(w.dir, 'src')).filter((f) => !isTestFile(f))) {
        for (const spec of importsOf(file)) {
          const pkg = packageOf(spec);
          if (pkg === '@vjepa/backends' || pkg === '@tensorflow/tfjs' || pkg === '@tensorflow/tfjs-node-gpu' || pkg === '@tensorflow/tfjs-backend-wasm') bad.push(`${rel(file)} imports ${spec}`);
        }
      }
    }
    expect(bad).toEqual([]);
  });
});

describe('dependencies', () => {
  it('every package imported is declared, and every declared one is imported (tests use dev dependencies)', () => {
    const problems: string[] = [];
    for (const w of all) {
      const used = new Set<string>();
      const usedByTests = new Set<string>();
      const runtimeFileSet = runtimeFiles(w);
      for (const file of sourceFiles(w.dir)) {
        for (const spec of importsOf(file)) {
          const pkg = packageOf(spec);
          if (pkg === null || pkg === w.name) continue;
          // what the published entry points reach is runtime code; tests, their helpers and scripts may use dev dependencies
          const runtime = w.kind === 'tools' || runtimeFileSet.has(file);
          (runtime ? used : usedByTests).add(pkg);
        }
      }
      const runtime = workspaceDeps(w, ['dependencies', 'peerDependencies', 'optionalDependencies']);
      const everything = workspaceDeps(w, ['dependencies', 'devDependencies', 'peerDependencies', 'optionalDependencies']);
      for (const pkg of used) if (!runtime.has(pkg)) problems.push(`${w.name}: src imports ${pkg}, not in dependencies`);
      for (const pkg of usedByTests) if (!everything.has(pkg) && !['vitest', 'tsup', 'vitest/config'].includes(pkg)) problems.push(`${w.name}: tests or scripts import ${pkg}, not declared`);
      for (const pkg of Object.keys(w.dependencies)) {
        if (!used.has(pkg) && !(`${w.name}:${pkg}` in DECLARED_NOT_IMPORTED)) problems.push(`${w.name}: depends on ${pkg} but its src never imports it`);
      }
      for (const pkg of Object.keys(w.devDependencies)) {
        if (!pkg.startsWith('@types/') && !used.has(pkg) && !usedByTests.has(pkg) && !w.peerDependencies[pkg]) problems.push(`${w.name}: dev-depends on ${pkg} but nothing imports it`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('the workspace dependency graph has no cycle', () => {
    const graph = new Map(all.map((w) => [w.name, [...workspaceDeps(w, ['dependencies', 'peerDependencies'])].filter((d) => byName.has(d))]));
    expect(findCycle(graph)).toBeNull();
  });

  it('no module imports itself back through other modules (no import cycle inside a package; type-only imports vanish when compiled)', () => {
    const graph = new Map<string, string[]>();
    for (const file of files) {
      graph.set(
        file,
        importsOf(file, { runtimeOnly: true })
          .filter((s) => s.startsWith('.'))
          .map((s) => resolveRelative(file, s))
          .filter((t): t is string => t !== null),
      );
    }
    const cycle = findCycle(graph);
    expect(cycle?.map(rel) ?? null).toBeNull();
  });
});

describe('the README architecture section', () => {
  const short = (name: string) => name.replace(/^@vjepa\/app-/, 'apps/').replace(/^@vjepa\//, '');
  const FLOORS = ['ground', 'floor 1', 'floor 2', 'floor 3', 'floor 4', 'floor 5', 'floor 6', 'apps'];

  /** The lines of the README's architecture block: floor, packages, what they use. */
  function readmeLines(): { floor: number; names: string[]; uses: string[] }[] {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const block = /<!-- architecture: uses -->\n```\n([\s\S]*?)```/.exec(readme);
    expect(block, 'README.md has a "<!-- architecture: uses -->" code block').not.toBeNull();
    const out: { floor: number; names: string[]; uses: string[] }[] = [];
    let floor = -1;
    for (const raw of block![1].split('\n')) {
      if (raw.trim() === '') continue;
      let line = raw;
      const label = FLOORS.find((f) => line.startsWith(f));
      if (label !== undefined) {
        floor = FLOORS.indexOf(label);
        line = line.slice(label.length);
      }
      const [left, right] = line.split('->');
      const names = left.trim().split(/\s+/);
      // what follows the list of used packages (two spaces or more) is a note
      const uses = right === undefined ? [] : right.trim().split(/\s{2,}/)[0].split(/,\s*/).map((x) => x.trim());
      out.push({ floor, names, uses });
    }
    return out;
  }

  it('lists every workspace package and exactly what it depends on: every arrow is true', () => {
    const arrows = new Map<string, string[]>();
    for (const l of readmeLines()) for (const n of l.names) arrows.set(n, [...l.uses].sort());
    const actual = new Map(
      all.filter((w) => w.kind !== 'tools').map((w) => [short(w.name), [...workspaceDeps(w, ['dependencies', 'peerDependencies'])].filter((d) => byName.has(d)).map(short).sort()]),
    );
    expect(Object.fromEntries([...arrows].sort())).toEqual(Object.fromEntries([...actual].sort()));
  });

  it('puts every package on a floor above everything it uses', () => {
    const floorOf = new Map<string, number>();
    const lines = readmeLines();
    for (const l of lines) for (const n of l.names) floorOf.set(n, l.floor);
    const wrong: string[] = [];
    for (const l of lines) for (const n of l.names) for (const u of l.uses) if (!((floorOf.get(u) ?? Infinity) < l.floor)) wrong.push(`${n} (${FLOORS[l.floor]}) uses ${u} (${FLOORS[floorOf.get(u) ?? 0]})`);
    expect(wrong).toEqual([]);
  });

  it('names the path of a clip through the packages', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    expect(readme).toMatch(/video -> clip -> masks -> step -> checkpoint -> features -> probe/);
  });
});
