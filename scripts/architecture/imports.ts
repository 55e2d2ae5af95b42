import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

/** The repository root (scripts/architecture -> ../..). */
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** A workspace package: its folder, name and declared dependencies. */
export interface Workspace {
  dir: string;
  name: string;
  kind: 'package' | 'app' | 'experiments';
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
  peerDependencies: Record<string, string>;
}

/** Every workspace package of the repository (packages/*, apps/*, experiments). */
export function workspaces(): Workspace[] {
  const out: Workspace[] = [];
  for (const [parent, kind] of [['packages', 'package'], ['apps', 'app']] as const) {
    for (const name of readdirSync(join(ROOT, parent)).sort()) {
      const file = join(ROOT, parent, name, 'package.json');
      if (existsSync(file)) out.push(workspace(join(ROOT, parent, name), kind));
    }
  }
  out.push(workspace(join(ROOT, 'experiments'), 'experiments'));
  return out;
}

function workspace(dir: string, kind: Workspace['kind']): Workspace {
  const p = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  return { dir, name: p.name, kind, dependencies: p.dependencies ?? {}, devDependencies: p.devDependencies ?? {}, peerDependencies: p.peerDependencies ?? {} };
}

/** TypeScript and JavaScript sources under a folder (node_modules and dist skipped). */
export function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      if (name === 'node_modules' || name === 'dist' || name.startsWith('.')) continue;
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (/\.(ts|mts|mjs|js)$/.test(name) && !name.endsWith('.d.ts')) out.push(p);
    }
  };
  if (existsSync(dir)) walk(dir);
  return out.sort();
}

/** A test file, test helper or config: what may use dev dependencies. */
export function isTestFile(file: string): boolean {
  return /\.test\.ts$|\.test-util\.ts$|test-helpers\.ts$|test-utils\.ts$|[\\/]test[\\/]|vitest\.config\.ts$|tsup\.config\.ts$/.test(file);
}

/**
 * The module specifiers a file imports, as TypeScript reads them: static imports and re-exports,
 * dynamic `import('...')` and `require(...)`, plus packages located at runtime with
 * `require.resolve('pkg/...')` (a dependency used for its files).
 */
export function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const specs = new Set(ts.preProcessFile(text, true, true).importedFiles.map((f) => f.fileName));
  for (const m of text.matchAll(/\brequire\.resolve\(\s*['"]([^'"]+)['"]\s*\)/g)) specs.add(m[1]);
  return [...specs];
}

/** The package name of a bare specifier (`@vjepa/masking/render` -> `@vjepa/masking`), or null for a relative or node: one. */
export function packageOf(spec: string): string | null {
  if (spec.startsWith('.') || spec.startsWith('/') || spec.startsWith('node:')) return null;
  const parts = spec.split('/');
  return spec.startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0];
}

/** The file a relative specifier points at (extension and index resolution as TypeScript's bundler mode). */
export function resolveRelative(from: string, spec: string): string | null {
  const base = resolve(dirname(from), spec);
  for (const candidate of [base, `${base}.ts`, `${base}.mts`, `${base}.mjs`, `${base}.js`, join(base, 'index.ts')]) {
    if (existsSync(candidate) && statSync(candidate).isFile()) return candidate;
  }
  return null;
}

/** The workspace folder a file belongs to. */
export function workspaceOf(file: string, all: readonly Workspace[]): Workspace | undefined {
  return all.find((w) => file === w.dir || file.startsWith(w.dir + sep));
}

/** A cycle in a directed graph, as the list of its nodes, or null. */
export function findCycle(graph: ReadonlyMap<string, readonly string[]>): string[] | null {
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (node: string): string[] | null => {
    if (state.get(node) === 'done') return null;
    if (state.get(node) === 'open') return [...stack.slice(stack.indexOf(node)), node];
    state.set(node, 'open');
    stack.push(node);
    for (const next of graph.get(node) ?? []) {
      const cycle = visit(next);
      if (cycle) return cycle;
    }
    stack.pop();
    state.set(node, 'done');
    return null;
  };
  for (const node of graph.keys()) {
    const cycle = visit(node);
    if (cycle) return cycle;
  }
  return null;
}

/** `path` relative to the repository root, with forward slashes. */
export function rel(path: string): string {
  return relative(ROOT, path).split(sep).join('/');
}
