#!/usr/bin/env bash
# Runs on the GPU machine from the repository root, with .device/ carried (see prepare.sh). Prints the
# project's training-step clips/s on WebGPU beside PyTorch's for the same step (fp32 and bf16+SDPA),
# with peak GPU memory, for the tiny, D192, ViT-S-like 16x224 and ViT-L/16 configurations (batch 24
# for the last two). Each run has its own time limit so one slow configuration cannot eat the lease.
#   bash .device/run.sh [configs...]      default: tiny d192 vits16 vitl16
set -uo pipefail
D=$PWD/.device
OUT=${OUT:-/tmp/out}
mkdir -p "$OUT" /tmp/vjepa-bench
xz -dc "$D/node.xz" > /tmp/node && chmod +x /tmp/node
xz -dc "$D/dawn.node.xz" > /tmp/dawn.node
for f in "$D"/*.deb; do dpkg -x "$f" / ; done; ldconfig
export VK_DRIVER_FILES=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json VK_ICD_FILENAMES=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
export __EGL_VENDOR_LIBRARY_FILENAMES=/usr/local/nvidia/share/glvnd/egl_vendor.d/10_nvidia.json
export VJEPA_DAWN_NODE=/tmp/dawn.node PYTHONUNBUFFERED=1
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader | tee "$OUT/gpu.txt"
python3 -c "import torch; print('torch', torch.__version__, 'cuda', torch.version.cuda)" | tee -a "$OUT/gpu.txt"
R="$OUT/results.jsonl"
: > "$R"
run() { # name limit command...
  local name=$1 limit=$2; shift 2
  local t0=$SECONDS
  local line
  line=$(timeout "$limit" "$@" 2> "$OUT/$name.err" | grep '^BENCH_RESULT ' | tail -1)
  local rc=$?
  if [[ -n "$line" ]]; then echo "${line#BENCH_RESULT }" | sed "s/^{/{\"run\":\"$name\",/" >> "$R"; echo "ok   $name ($((SECONDS - t0)) s)";
  else echo "{\"run\":\"$name\",\"error\":\"exit $rc after $((SECONDS - t0)) s: $(tail -c 300 "$OUT/$name.err" | tr '\n"\\' '   ')\"}" >> "$R"; echo "FAIL $name ($((SECONDS - t0)) s): $(tail -3 "$OUT/$name.err")"; fi
}
for cfg in "${@:-tiny d192 vits16 vitl16}"; do
  for c in $cfg; do
    W=/tmp/vjepa-bench/$c
    [[ "$c" == vitl16 ]] && L=240 || L=150
    run "$c-prepare" 240 /tmp/node "$D/ours-step.mjs" prepare "$W" "$c" 0 || true
    run "$c-ours-webgpu" $L /tmp/node "$D/ours-step.mjs" run "$W" --backend webgpu
    VJEPA_WEBGPU_MATMUL=tiled run "$c-ours-webgpu-tiled" $L /tmp/node "$D/ours-step.mjs" run "$W" --backend webgpu
    run "$c-torch-fp32" 120 python3 "$D/torch_step.py" "$W" --device cuda --dtype fp32
    run "$c-torch-tf32" 120 python3 "$D/torch_step.py" "$W" --device cuda --dtype tf32
    run "$c-torch-bf16" 120 python3 "$D/torch_step.py" "$W" --device cuda --dtype bf16
  done
done
/tmp/node "$D/summarize.mjs" "$R" | tee "$OUT/table.md"
