import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { confusionPng } from './confusion-png';
import type { ProbeRunResult } from './run-probe';

/**
 * One row of a results table: a task evaluated with one encoder.
 *
 * @example
 * const row: ResultRow = { task: 'direction', encoder: 'trained', result, chance: 0.125 };
 */
export interface ResultRow {
  task: string;
  encoder: string;
  /** Undefined when the encoder was not evaluated (e.g. no pixel-objective run given). */
  result?: ProbeRunResult;
  chance: number;
  /** Why there is no result, or a warning about it. */
  note?: string;
}

/**
 * `mean ± std` in percent with one decimal.
 *
 * @example
 * pct(0.5312, 0.021); // "53.1 ± 2.1"
 */
export function pct(mean: number, std?: number): string {
  return std === undefined ? (100 * mean).toFixed(1) : `${(100 * mean).toFixed(1)} ± ${(100 * std).toFixed(1)}`;
}

/**
 * A Markdown table: task × encoder, accuracy mean ± std over probe seeds (%), chance level.
 *
 * @example
 * markdownTable(rows); // "| task | encoder | accuracy (%) | chance (%) | seeds | note |\n..."
 */
export function markdownTable(rows: readonly ResultRow[]): string {
  const lines = ['| task | encoder | accuracy (%) | chance (%) | seeds | note |', '| --- | --- | --- | --- | --- | --- |'];
  for (const r of rows) {
    const acc = r.result ? pct(r.result.mean, r.result.std) : 'not run';
    lines.push(`| ${r.task} | ${r.encoder} | ${acc} | ${pct(r.chance)} | ${r.result?.accuracies.length ?? 0} | ${r.note ?? ''} |`);
  }
  return `${lines.join('\n')}\n`;
}

/**
 * Writes `results.json`, `results.md` (a heading, the table, notes) and one
 * `confusion-<task>-<encoder>.png` per evaluated row into `dir`; returns the paths.
 *
 * @example
 * writeReport('out', 'Frozen evaluation', rows, { notes: ['probe: attentive'] });
 */
export function writeReport(dir: string, title: string, rows: readonly ResultRow[], extra: { notes?: string[]; json?: Record<string, unknown> } = {}): { json: string; markdown: string; pngs: string[] } {
  mkdirSync(dir, { recursive: true });
  const pngs: string[] = [];
  for (const r of rows) {
    if (!r.result) continue;
    const file = join(dir, `confusion-${r.task}-${r.encoder}.png`.replace(/[^\w.-]+/g, '_'));
    writeFileSync(file, confusionPng(r.result.confusion));
    pngs.push(file);
  }
  const json = join(dir, 'results.json');
  writeFileSync(json, `${JSON.stringify({ ...extra.json, results: rows }, null, 2)}\n`);
  const markdown = join(dir, 'results.md');
  const notes = (extra.notes ?? []).map((n) => `- ${n}`).join('\n');
  writeFileSync(markdown, `# ${title}\n\n${markdownTable(rows)}${notes ? `\n${notes}\n` : ''}`);
  return { json, markdown, pngs };
}
