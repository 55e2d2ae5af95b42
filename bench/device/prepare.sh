#!/usr/bin/env bash
# Prepares what the GPU benchmark needs on the device machine (which has PyTorch but no Node, no
# registry and no network) in the ignored folder .device/ of the repository root:
#   node.xz        this machine's Node (x86-64), compressed
#   dawn.node.xz   Dawn for Node from the `webgpu` package
#   *.deb          the Vulkan loader and glvnd libraries (the device has NVIDIA's Vulkan driver, not the loader)
#   ours-step.mjs  bench/ours-step.ts bundled into one file (no node_modules there)
#   torch_step.py, run.sh, summarize.mjs
# Then run it there (the `device` tool, see bench/README.md):
#   bash .device/run.sh        (carry: .device)
set -euo pipefail
cd "$(dirname "$0")/../.."
grep -qx '/.device/' .git/info/exclude 2>/dev/null || echo '/.device/' >> .git/info/exclude
rm -rf .device && mkdir -p .device
echo "device bench: compressing node $(node --version)"
xz -T2 -c "$(command -v node)" > .device/node.xz
dawn=$(node -e "const p=require('path');console.log(p.join(p.dirname(require.resolve('webgpu/package.json',{paths:[require.resolve('@vjepa/backends/package.json',{paths:['packages/backends']})]})),'dist','linux-x64','dawn.node'))" 2>/dev/null || true)
[[ -f "$dawn" ]] || dawn=$(ls node_modules/.pnpm/webgpu@*/node_modules/webgpu/dist/linux-x64/dawn.node | head -1)
echo "device bench: compressing $dawn"
xz -T2 -c "$dawn" > .device/dawn.node.xz
echo "device bench: downloading the Vulkan loader and glvnd libraries"
(cd .device && apt-get download -q libvulkan1 libegl1 libglvnd0 libopengl0 libgl1 libglx0 libgles2 >/dev/null)
echo "device bench: bundling bench/ours-step.ts"
node_modules/.bin/esbuild bench/ours-step.ts --bundle --platform=node --format=esm --target=node20 \
  --conditions=@vjepa/source --outfile=.device/ours-step.mjs --log-level=warning \
  --external:webgpu --external:@tensorflow/tfjs-node-gpu \
  --banner:js="import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);"
cp bench/torch_step.py bench/device/run.sh bench/device/summarize.mjs .device/
du -sh .device/* | sed 's/^/device bench: /'
echo "device bench: ready; total $(du -sh .device | cut -f1) (the device tool carries at most 64 MiB)"
