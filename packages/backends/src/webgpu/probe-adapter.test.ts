import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { probeWebGpuAdapter } from './probe-adapter';

const INDEX = fileURLToPath(new URL('../index.ts', import.meta.url));

describe('probeWebGpuAdapter (Dawn in a child process)', () => {
  it('answers with the adapter Dawn offers, or none, and what Dawn printed', async () => {
    const probe = await probeWebGpuAdapter();
    if (probe.adapter !== null) {
      expect(probe.adapter.name.length).toBeGreaterThan(0);
      expect(typeof probe.adapter.software).toBe('boolean');
    }
    expect(typeof probe.stderr).toBe('string');
  });

  it("keeps Dawn's native warnings out of a process whose auto setup skips WebGPU", () => {
    // a process of its own: what Dawn writes to file descriptor 2 cannot be caught from JS
    const script = join(mkdtempSync(join(tmpdir(), 'vjepa-probe-')), 'auto.mjs');
    writeFileSync(script, `const { setupBackend } = await import(${JSON.stringify(pathToFileURL(INDEX).href)});\nconst s = await setupBackend('auto');\nconsole.log('chose ' + s.name);\n`);
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--conditions=@vjepa/source', script], { encoding: 'utf8', timeout: 120_000 });
    expect(r.status).toBe(0);
    const chose = /chose (\S+)/.exec(r.stdout)?.[1];
    if (chose !== 'webgpu') {
      // WebGPU was skipped (software adapter or none): Dawn's warnings stayed in the probe's process
      expect(r.stderr).not.toMatch(/artificially reduced|XDG_RUNTIME_DIR|Couldn't load Vulkan/);
    }
  });
});
