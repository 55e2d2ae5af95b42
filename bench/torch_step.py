"""PyTorch side of the benchmark: the same V-JEPA training step, written for this benchmark.

Our own code (not the reference implementation): a ViT encoder with a 3-D (tubelet) patch embedding
and fixed sin-cos positions, a narrow predictor with one learned mask token per mask type, the EMA
target encoder on the full clip, a parameter-free layer norm on the targets (eps 1e-5), the L1 loss
averaged over the mask types, AdamW with two parameter groups (no weight decay on biases and 1-D
parameters) and the EMA update. Regularisers and clipping are off. fp32 throughout.

It reads a workload folder written by `bench/ours-step.ts prepare` (initial weights, clips, the
masks of every step, the lr / wd / momentum of every iteration) so that both sides do the same
work from the same starting point, and prints one line `BENCH_RESULT {json}`.

    python3 bench/torch_step.py <workload-dir> --threads N
"""
import argparse
import json
import math
import os
import resource
import struct
import sys
import time

try:
    import numpy as np
    import torch
    import torch.nn as nn
    import torch.nn.functional as F
except ImportError as e:  # the runner checks this first; say it plainly if run by hand
    print(f"torch_step.py: {e}. Install Debian's PyTorch: apt-get install -y python3-torch libopenblas0-pthread",
          file=sys.stderr)
    sys.exit(3)


# ---------------------------------------------------------------- model


def sincos_1d(dim, positions):
    """[len(positions), dim]: sin of the first half of the frequencies, then cos."""
    half = dim // 2
    omega = 1.0 / (10000 ** (np.arange(half, dtype=np.float64) / half))
    out = np.outer(np.asarray(positions, dtype=np.float64), omega)
    return np.concatenate([np.sin(out), np.cos(out)], axis=1)


def sincos_3d(dim, grid_t, grid_h, grid_w):
    """[T*H*W, dim] fixed table, time-major; 'uniform power': each axis gets 2*ceil(dim/6) dims and
    the concatenation (t, h, w) is cut to dim."""
    a = 2 * math.ceil(dim / 6)
    t, h, w = np.meshgrid(np.arange(grid_t), np.arange(grid_h), np.arange(grid_w), indexing="ij")
    emb = np.concatenate([sincos_1d(a, t.ravel()), sincos_1d(a, h.ravel()), sincos_1d(a, w.ravel())], axis=1)
    return emb[:, :dim].astype(np.float32)


def gather_tokens(x, idx):
    """x [B, N, D], idx [B, K] -> [B, K, D]."""
    return torch.gather(x, 1, idx.unsqueeze(-1).expand(-1, -1, x.shape[-1]))


class Attention(nn.Module):
    use_sdpa = False  # the GPU bf16 baseline uses PyTorch's fused attention (scaled_dot_product_attention)

    def __init__(self, dim, heads):
        super().__init__()
        self.heads = heads
        self.qkv = nn.Linear(dim, 3 * dim)
        self.proj = nn.Linear(dim, dim)

    def forward(self, x):
        b, n, d = x.shape
        qkv = self.qkv(x).reshape(b, n, 3, self.heads, d // self.heads).permute(2, 0, 3, 1, 4)  # [3, B, H, N, hd]
        q, k, v = qkv[0], qkv[1], qkv[2]
        if Attention.use_sdpa:
            out = F.scaled_dot_product_attention(q, k, v)  # [B, H, N, hd]
        else:
            attn = (q @ k.transpose(-2, -1)) * (d // self.heads) ** -0.5  # [B, H, N, N]
            out = attn.softmax(dim=-1) @ v  # [B, H, N, hd]
        return self.proj(out.transpose(1, 2).reshape(b, n, d))


class Mlp(nn.Module):
    def __init__(self, dim, hidden):
        super().__init__()
        self.fc1 = nn.Linear(dim, hidden)
        self.fc2 = nn.Linear(hidden, dim)

    def forward(self, x):
        return self.fc2(F.gelu(self.fc1(x)))  # exact (erf) GELU


class Block(nn.Module):
    def __init__(self, dim, heads, mlp_ratio, eps):
        super().__init__()
        self.norm1 = nn.LayerNorm(dim, eps=eps)
        self.attn = Attention(dim, heads)
        self.norm2 = nn.LayerNorm(dim, eps=eps)
        self.mlp = Mlp(dim, int(dim * mlp_ratio))

    def forward(self, x):
        x = x + self.attn(self.norm1(x))
        return x + self.mlp(self.norm2(x))


class Encoder(nn.Module):
    def __init__(self, c, w):
        super().__init__()
        d = c["embedDim"]
        self.patch_embed = nn.Module()
        self.patch_embed.proj = nn.Conv3d(3, d, (c["tubeletSize"], c["patchSize"], c["patchSize"]),
                                          stride=(c["tubeletSize"], c["patchSize"], c["patchSize"]))
        g = grid_of(c)
        self.register_buffer("pos_embed", torch.from_numpy(sincos_3d(d, *g)).unsqueeze(0))  # [1, N, D]
        self.blocks = nn.ModuleList(Block(d, c["numHeads"], w["mlpRatio"], w["layerNormEps"]) for _ in range(c["depth"]))
        self.norm = nn.LayerNorm(d, eps=w["layerNormEps"])

    def forward(self, clip, idx=None):
        x = self.patch_embed.proj(clip).flatten(2).transpose(1, 2) + self.pos_embed  # [B, N, D]
        if idx is not None:
            x = gather_tokens(x, idx)  # [B, K, D]
        for blk in self.blocks:
            x = blk(x)
        return self.norm(x)


class Predictor(nn.Module):
    def __init__(self, c, w):
        super().__init__()
        d, dp = c["embedDim"], c["predEmbedDim"]
        self.predictor_embed = nn.Linear(d, dp)
        self.mask_tokens = nn.ParameterList(nn.Parameter(torch.zeros(1, 1, dp)) for _ in range(w["numMaskTypes"]))
        self.register_buffer("predictor_pos_embed", torch.from_numpy(sincos_3d(dp, *grid_of(c))).unsqueeze(0))
        self.predictor_blocks = nn.ModuleList(
            Block(dp, c["predNumHeads"], w["mlpRatio"], w["layerNormEps"]) for _ in range(c["predDepth"]))
        self.predictor_norm = nn.LayerNorm(dp, eps=w["layerNormEps"])
        self.predictor_proj = nn.Linear(dp, d)

    def forward(self, ctx, ctx_idx, tgt_idx, k):
        b, kc, _ = ctx.shape
        pos = self.predictor_pos_embed.expand(b, -1, -1)  # [B, N, Dp]
        x = self.predictor_embed(ctx) + gather_tokens(pos, ctx_idx)  # [B, Kc, Dp]
        t = self.mask_tokens[k] + gather_tokens(pos, tgt_idx)  # [B, Kt, Dp]
        x = torch.cat([x, t], dim=1)
        for blk in self.predictor_blocks:
            x = blk(x)
        return self.predictor_proj(self.predictor_norm(x)[:, kc:])  # [B, Kt, D]


def grid_of(c):
    return c["numFrames"] // c["tubeletSize"], c["imgSize"] // c["patchSize"], c["imgSize"] // c["patchSize"]


# ---------------------------------------------------------------- files


def read_safetensors(path):
    with open(path, "rb") as f:
        raw = f.read()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + n])
    base = 8 + n
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        if info["dtype"] != "F32":
            raise ValueError(f"{path}: {name} has dtype {info['dtype']}, expected F32")
        a, b = info["data_offsets"]
        out[name] = torch.from_numpy(np.frombuffer(raw[base + a:base + b], dtype=np.float32).reshape(info["shape"]).copy())
    return out


def load_weights(module, path):
    """Loads our exported state dict; pos tables must match this script's own sin-cos tables."""
    sd = read_safetensors(path)
    own = module.state_dict()
    worst = 0.0
    for name in [k for k in sd if k.endswith("pos_embed")]:
        worst = max(worst, float((sd.pop(name) - own[name]).abs().max()))
    module.load_state_dict(sd, strict=False)
    missing = [k for k in own if k not in sd and not k.endswith("pos_embed")]
    if missing:
        raise ValueError(f"{path}: missing {missing[:5]}")
    return worst


def blas_library():
    """Which BLAS the process mapped (Debian's torch links the libblas.so.3 alternative: OpenBLAS if
    libopenblas0 is installed, else the slow reference BLAS from libblas3)."""
    try:
        with open("/proc/self/maps") as f:
            libs = {os.path.realpath(line.split()[-1]) for line in f if ".so" in line}
    except OSError:
        return "unknown BLAS"
    names = sorted(os.path.basename(p) for p in libs if "blas" in os.path.basename(p).lower())
    openblas = [n for n in names if "openblas" in n]
    if openblas:
        variant = "pthread" if any("pthread" in p for p in libs if "openblas" in p) else \
            "openmp" if any("openmp" in p for p in libs if "openblas" in p) else "serial"
        return f"OpenBLAS {openblas[0]} ({variant})"
    if names:
        return f"reference BLAS {', '.join(names)} (slow: apt-get install libopenblas0-pthread)"
    return "no BLAS mapped"


# ---------------------------------------------------------------- step


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dir")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--device", default="cpu", help="cpu or cuda (the GPU machine)")
    ap.add_argument("--dtype", default="fp32", choices=["fp32", "tf32", "bf16"],
                    help="cuda only: fp32 (tf32 off), tf32 matmuls, or bf16 autocast with SDPA attention")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    dev = torch.device(args.device)
    cuda = dev.type == "cuda"
    if cuda:
        torch.backends.cuda.matmul.allow_tf32 = args.dtype == "tf32"
        torch.backends.cudnn.allow_tf32 = args.dtype == "tf32"
        if args.dtype == "bf16":
            Attention.use_sdpa = True

    with open(os.path.join(args.dir, "config.json")) as f:
        w = json.load(f)
    c = w["config"]
    encoder, predictor = Encoder(c, w), Predictor(c, w)
    pos_err = max(load_weights(encoder, os.path.join(args.dir, "encoder.safetensors")),
                  load_weights(predictor, os.path.join(args.dir, "predictor.safetensors")))
    target = Encoder(c, w)
    target.load_state_dict(encoder.state_dict())
    for p in target.parameters():
        p.requires_grad_(False)
    encoder, predictor, target = encoder.to(dev), predictor.to(dev), target.to(dev)

    clips = []
    for j in range(c["numBatches"]):
        x = np.load(os.path.join(args.dir, f"clips-{j}.npy"))  # [B, T, H, W, 3]
        clips.append(torch.from_numpy(x).permute(0, 4, 1, 2, 3).contiguous().to(dev))  # [B, 3, T, H, W]
    masks = []
    for s in range(w["steps"]):
        masks.append([(torch.from_numpy(np.load(os.path.join(args.dir, "masks", f"s{s}-k{k}-context.npy")).astype(np.int64)).to(dev),
                       torch.from_numpy(np.load(os.path.join(args.dir, "masks", f"s{s}-k{k}-target.npy")).astype(np.int64)).to(dev))
                      for k in range(w["numMaskTypes"])])

    def groups(named):
        decay = [p for n, p in named if "bias" not in n and p.ndim != 1]
        no_decay = [p for n, p in named if "bias" in n or p.ndim == 1]
        return [{"params": decay}, {"params": no_decay, "weight_decay": 0.0, "WD_exclude": True}]

    named = list(encoder.named_parameters()) + list(predictor.named_parameters())
    opt = torch.optim.AdamW(groups(named), lr=w["schedule"][0]["lr"], betas=tuple(w["betas"]), eps=w["eps"])
    enc_params = list(encoder.parameters())
    pred_params = list(predictor.parameters())

    autocast = torch.autocast("cuda", dtype=torch.bfloat16) if cuda and args.dtype == "bf16" else None
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    if cuda:
        torch.cuda.synchronize()
        torch.cuda.reset_peak_memory_stats()
    step_ms, losses = [], []
    cpu_start = time.process_time()
    for s in range(w["steps"]):
        if s == c["warmup"]:
            cpu_start = time.process_time()  # process-wide CPU time, all threads
        sched = w["schedule"][s]
        clip = clips[s % len(clips)]
        t0 = time.perf_counter()
        for g in opt.param_groups:
            g["lr"] = sched["lr"]
            if not g.get("WD_exclude", False):
                g["weight_decay"] = sched["wd"]
        if autocast is not None:
            autocast.__enter__()
        with torch.no_grad():
            h = F.layer_norm(target(clip), (c["embedDim"],), eps=w["targetLayerNormEps"])  # [B, N, D]
            targets = [gather_tokens(h, tgt) for _, tgt in masks[s]]
        per_type = []
        for k, (ctx_idx, tgt_idx) in enumerate(masks[s]):
            z = encoder(clip, ctx_idx)  # [B, Kc, D]
            pred = predictor(z, ctx_idx, tgt_idx, k)  # [B, Kt, D]
            per_type.append((pred.float() - targets[k].float()).abs().mean())
        loss = sum(per_type) / len(per_type)
        if autocast is not None:
            autocast.__exit__(None, None, None)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        # Gradient norms per module (our step computes and reads them every step too).
        norms = [torch.norm(torch.stack([p.grad.norm() for p in ps])) for ps in (enc_params, pred_params)]
        opt.step()
        with torch.no_grad():
            m = sched["momentum"]
            for pk, pq in zip(target.parameters(), encoder.parameters()):
                pk.mul_(m).add_((1.0 - m) * pq)
        value = loss.item()  # the read-back synchronises the GPU, as ours reads the loss every step
        float(norms[0]), float(norms[1])
        step_ms.append((time.perf_counter() - t0) * 1000)
        losses.append(value)

    where = (f"CUDA {torch.cuda.get_device_name(dev)}, {args.dtype}" + (" + SDPA" if Attention.use_sdpa else "")) if cuda \
        else f"CPU, {blas_library()}"
    print("BENCH_RESULT " + json.dumps({
        "side": "torch",
        "config": c["name"],
        "backend": f"PyTorch {torch.__version__} {where}",
        "device": args.device,
        "dtype": args.dtype,
        "peakGpuBytes": torch.cuda.max_memory_allocated(dev) if cuda else None,
        "threads": torch.get_num_threads(),
        "runtime": f"Python {sys.version.split()[0]}",
        "stepMs": step_ms,
        "cpuMsPerStep": (time.process_time() - cpu_start) * 1000 / c["timed"],
        "losses": losses,
        "posTableMaxAbsDiff": pos_err,
        "peakRssBytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
        "rssBeforeSteps": rss_before,
    }))


if __name__ == "__main__":
    main()
