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
  /** `tools`: experiments and benchmarks, private workspaces that use the packages like a user would. */
  kind: 'package' | 'app' | 'tools';
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
  peerDependencies: Record<string, string>;
  optionalDependencies: Record<string, string>;
  /** The files the package publishes as entry points (its `@vjepa/source` exports and build entries). */
  entries: string[];
}

/** Every workspace package of the repository (packages/*, apps/*, experiments, bench). */
export function workspaces(): Workspace[] {
  const out: Workspace[] = [];
  for (const [parent, kind] of [['packages', 'package'], ['apps', 'app']] as const) {
    for (const name of readdirSync(join(ROOT, parent)).sort()) {
      const file = join(ROOT, parent, name, 'package.json');
      if (existsSync(file)) out.push(workspace(join(ROOT, parent, name), kind));
    }
  }
  for (const tools of ['experiments', 'bench']) if (existsSync(join(ROOT, tools, 'package.json'))) out.push(workspace(join(ROOT, tools), 'tools'));
  return out;
}

function workspace(dir: string, kind: Workspace['kind']): Workspace {
  const p = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  const entries = new Set<string>();
  const collect = (node: unknown): void => {
    if (typeof node === 'string') return;
    if (node !== null && typeof node === 'object') {
      for (const [k, v] of Object.entries(node)) (k === '@vjepa/source' && typeof v === 'string' ? entries.add(resolve(dir, v)) : collect(v));
    }
  };
  collect(p.exports);
  const tsup = join(dir, 'tsup.config.ts');
  if (existsSync(tsup)) for (const m of readFileSync(tsup, 'utf8').matchAll(/'(src\/[\w/.-]+\.ts)'/g)) entries.add(resolve(dir, m[1]));
  return {
    dir,
    name: p.name,
    kind,
    dependencies: p.dependencies ?? {},
    devDependencies: p.devDependencies ?? {},
    peerDependencies: p.peerDependencies ?? {},
    optionalDependencies: p.optionalDependencies ?? {},
    entries: [...entries],
  };
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
 * `require.resolve('pkg/...')` (a dependency used for its files). With `runtimeOnly`, imports and
 * re-exports of types only (`import type`, `import { type X }`) are left out: they vanish when compiled.
 */
export function importsOf(file: string, options: { runtimeOnly?: boolean } = {}): string[] {
  const text = readFileSync(file, 'utf8');
  const specs = new Set(ts.preProcessFile(text, true, true).importedFiles.map((f) => f.fileName));
  for (const m of text.matchAll(/\brequire\.resolve\(\s*['"]([^'"]+)['"]\s*\)/g)) specs.add(m[1]);
  if (options.runtimeOnly) for (const spec of typeOnlyImports(file, text)) specs.delete(spec);
  return [...specs];
}

/** Specifiers that a file only imports or re-exports types from (and never values). */
function typeOnlyImports(file: string, text: string): Set<string> {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.ES2022, false);
  const typeOnly = new Set<string>();
  const values = new Set<string>();
  for (const st of source.statements) {
    if ((ts.isImportDeclaration(st) || ts.isExportDeclaration(st)) && st.moduleSpecifier && ts.isStringLiteral(st.moduleSpecifier)) {
      const spec = st.moduleSpecifier.text;
      let onlyTypes: boolean;
      if (ts.isImportDeclaration(st)) {
        const clause = st.importClause;
        const named = clause?.namedBindings;
        onlyTypes = clause !== undefined && (clause.isTypeOnly || (clause.name === undefined && named !== undefined && ts.isNamedImports(named) && named.elements.length > 0 && named.elements.every((e) => e.isTypeOnly)));
      } else {
        const clause = st.exportClause;
        onlyTypes = st.isTypeOnly || (clause !== undefined && ts.isNamedExports(clause) && clause.elements.length > 0 && clause.elements.every((e) => e.isTypeOnly));
      }
      (onlyTypes ? typeOnly : values).add(spec);
    }
  }
  for (const v of values) typeOnly.delete(v);
  return typeOnly;
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

/**
 * The files a workspace runs when used (its entry points and everything they import, relatively, for
 * their values); the rest of its files are tests and their helpers, which may use dev dependencies.
 */
export function runtimeFiles(w: Workspace): Set<string> {
  const seen = new Set<string>();
  const stack = [...w.entries];
  while (stack.length > 0) {
    const file = stack.pop()!;
    if (seen.has(file) || !existsSync(file)) continue;
    seen.add(file);
    for (const spec of importsOf(file)) {
      if (!spec.startsWith('.')) continue;
      const target = resolveRelative(file, spec);
      if (target !== null) stack.push(target);
    }
  }
  return seen;
}
