/** The architecture and checkpoint flags extract, probe and suite share. */
const ENCODER = `Encoder
  --checkpoint PATH     a vjepa-train run folder or checkpoint directory (read through its manifest),
                        an official V-JEPA .pth.tar or V-JEPA 2 .pt training checkpoint (only the encoder
                        used is read), .safetensors, or a Hugging Face V-JEPA 2 model.safetensors
  --key K               target_encoder (default) or encoder, for .pth.tar / .pt
  --prefix P            key prefix inside a .safetensors file (default target_encoder when present)
  --config FILE         YAML/JSON with the model and data sections: ours, a vjepa-train config, or an
                        official eval config (configs/evals/*.yaml, with its pretrain: section, whose
                        folder + checkpoint and checkpoint_key are then the defaults of --checkpoint/--key);
                        model.use_rope: true is V-JEPA 2
  --fname FILE          the same as --config (the official CLI's name)
  --preset NAME         tiny|small|base|large|huge|giant (vit_*_rope: V-JEPA 2 sizes), or a V-JEPA 2
                        release vitl|vith|vitg|vitg-384 [--patch-size --tubelet-size --num-frames --crop-size]
                        (not needed for a checkpoint directory of ours: its manifest states the architecture)
  neither, with a checkpoint file (extract, probe): the architecture is read from the weights; V-JEPA 2
                        when there is no pos_embed [--num-heads N when no preset has that size,
                        --num-frames, --crop-size]
  --backend B           auto (default), tfjs-node-gpu, webgpu, tfjs-node, wasm, cpu
  --batch-size N        clips per forward pass (default 16)
  --verbose             say every backend tried and why it was skipped (default: one line)`;

const PROBE = `Probe training (the suite's protocol by default)
  --probe KIND          attentive (default), linear or knn
  --seeds N             probe seeds (default 3)
  --epochs N            default 20
  --probe-batch N       default 64
  --lr X                default 5e-3
  --cache DIR           feature cache (default <out>/cache); an interrupted feature pass resumes from it`;

const EXIT_CODES = `Exit codes
  0    done
  1    failed (the message says why)
  2    bad command line or config: nothing ran
  3    done, but some inputs could not be read: they are named above and in the summary file
  130  interrupted (Ctrl-C or SIGTERM): what was written is kept; rerun the same command to resume`;

/**
 * The usage of each command (`vjepa-eval <command> --help`) and the overview (`vjepa-eval --help`).
 *
 * @example
 * console.log(COMMAND_USAGE.extract);
 */
export const COMMAND_USAGE = {
  extract: `vjepa-eval extract: frozen features of clips (.npy), a video, or a folder of videos

Usage
  vjepa-eval extract --checkpoint PATH (--config FILE | --preset NAME) --input PATH --out PATH [options]

Input and output
  --input PATH          clip.npy ([B, 3, T, H, W] official channels-first, or [B, T, H, W, 3]),
                        a video or image file, or a folder (searched recursively)
  --out PATH            features.npy for one input (or with --stack); a folder for a folder of videos:
                        one .npy per video, mirroring the input folder
  --pool none|mean      [B, N, D] tokens (default) or [B, D] mean-pooled
  --layout L            channels-first|channels-last, when a .npy shape is ambiguous
  --stack               a folder's videos into one [V * clips, ...] file (+ <out>.txt listing the rows);
                        the per-video files are kept in <out>.parts/
  --ffmpeg PATH         ffmpeg binary (default: env VJEPA_FFMPEG, else the bundled one)
  --fail-fast           stop at the first bad input of a folder (default: skip it, name it, go on)

Masked tokens and predictions (a .npy of clips)
  --indices ctx.npy     int [B, K]: the encoder on only those tokens -> [B, K, D]
  --predict tgt.npy     int [B, Kt]: the checkpoint's predictor predicts those tokens from the context
                        (starting from the online encoder unless --key) -> [B, Kt, D]
  --mask-index K        the predictor's mask token (default 0)

${ENCODER}

A folder: every video is extracted or, when it cannot be read (missing, empty, a FIFO or device, not
a video, truncated, corrupt), skipped and named; <out>/extract-summary.json lists every output and
every skipped input with its reason. A rerun keeps each output whose record in extract-log.jsonl
still matches its input (SHA-256), the weights and settings, and the file itself (SHA-256), and does
not decode again an unchanged input that failed. Clips with NaN/Inf values are refused.

${EXIT_CODES}

Example
  vjepa-eval extract --checkpoint runs/main --input videos/ --out features/
  vjepa-eval extract --checkpoint vitl16.pth.tar --fname configs/evals/vitl16_k400_16x8x3.yaml --input clip.mp4 --out clip.npy
  vjepa-eval extract --checkpoint vitl.pt --preset vitl --num-frames 16 --input clip.npy --out features.npy
  vjepa-eval extract --checkpoint ckpt.pt --config arch.yaml --input clip.npy --indices ctx.npy --predict tgt.npy --out pred.npy
`,
  probe: `vjepa-eval probe: train and test a probe on frozen features

Usage
  vjepa-eval probe --checkpoint PATH (--config FILE | --preset NAME) --out DIR
                   [--dataset moving-mnist [--task digit,direction,speed] [--train-clips N] [--test-clips N]
                    | --train-index train.txt --test-index test.txt [--num-classes N]] [options]

Usage (apply a trained probe)
  vjepa-eval probe --checkpoint PATH --probe-checkpoint probe.pt --input clip.npy|video|folder --out logits.npy
                   [--classifier I] [--probe-heads N (default: the encoder's; V-JEPA 2 releases 16)] [--layout L]
                   a V-JEPA 2 {"classifiers": [...]}, V-JEPA {"classifier": ...} or Hugging Face
                   VJEPA2ForVideoClassification file -> logits [items, classes]

Data
  --dataset moving-mnist  the embedded held-out Moving MNIST (default)
  --task LIST           digit, direction, speed (default digit,direction)
  --train-clips N       default 2000 (as the suite)
  --test-clips N        default 1000
  --train-index FILE    official "path label" index of the probe-train videos
  --test-index FILE     and of the probe-test videos (an official eval config gives both)
  --num-classes N       default max label + 1 (labels must be below 100000)
  --ffmpeg PATH         ffmpeg binary
  --fail-fast           stop at the first video that cannot be read (default: skip it, name it, go on)
  --out DIR             results.json, results.md, confusion PNGs

${PROBE}

${ENCODER}

${EXIT_CODES}

Example
  vjepa-eval probe --checkpoint runs/main --out runs/main/probe
  vjepa-eval probe --fname configs/evals/vitl16_k400_16x8x3.yaml --out k400-probe
  vjepa-eval probe --checkpoint vitl.pt --preset vitl --probe-checkpoint ssv2-vitl-16x2x3.pt --input video.mp4 --out logits.npy
`,
  suite: `vjepa-eval suite: the embedded evaluation (digit + direction tasks; random-init, one-frame and pixel controls)

Usage
  vjepa-eval suite --run DIR [--pixel-run DIR] [options]
  vjepa-eval suite --checkpoint FILE (--config FILE | --preset NAME) [--pixel-checkpoint FILE] [options]

Runs
  --run DIR             a vjepa-train run folder (or checkpoint directory)
  --pixel-run DIR       the pixel-objective control run (trained with meta.objective: pixels)
  --pixel-checkpoint F  or its checkpoint file
  --out DIR             default <run>/eval
  --train-clips N       default 2000
  --test-clips N        default 1000
  --jobs N              probe trainings on N worker threads (default min(2, cores)); same numbers for any N

${PROBE}

${ENCODER}

${EXIT_CODES}

Example
  vjepa-eval suite --run runs/main
`,
  main: `vjepa-eval main: train V-JEPA and the pixel control (as vjepa-train does), then the suite

Usage
  vjepa-eval main [--folder runs/main] [--set key=value ...] [--jobs N] [suite options]
  pnpm run main -- --set meta.seed=11       (from the repository root; a leading -- is fine)

Options
  --folder DIR          V-JEPA run folder (default runs/main); the pixel control goes to <DIR>-pixels
  --set K=V             a config override for both trainings (repeatable), e.g. meta.seed=11
  --backend B           auto (default), tfjs-node-gpu, webgpu, tfjs-node, wasm, cpu
  --jobs N              cores to use (default min(2, cores)); with 2 the pixel control trains in a
                        child process while V-JEPA trains here (then computes the random-init
                        control's features), and the suite computes the other features and trains
                        its probes on 2 threads. The numbers are the same for any N.
  --train-only KIND     features|pixels: one training, no suite (what the child process runs)
  --feature-jobs JSON   with --train-only: suite feature passes to compute after the training
                        (what the parent passes its child)
  --verbose             say every backend tried and why it was skipped
  suite options         --out --train-clips --test-clips --seeds --epochs --probe-batch --lr --probe --cache

Progress: a line per training every ~5% of its steps (loss, clips/s, ETA), [features] and [pixels].
Ctrl-C: both trainings stop at a step boundary and save; the command exits 130, and rerunning it
resumes both (no step lost or logged twice). A second Ctrl-C quits at once.

${EXIT_CODES}
`,
} as const;

/**
 * The overview of `vjepa-eval --help`.
 *
 * @example
 * console.log(USAGE);
 */
export const USAGE = `vjepa-eval: frozen evaluation and feature extraction for V-JEPA and V-JEPA 2

Commands
  extract  features of clips (.npy), a video, or a folder of videos (bad files skipped, reruns resume);
           with --indices/--predict, masked tokens and the predictor's predictions
  probe    train and test a probe on frozen features (Moving MNIST tasks or "path label" indexes),
           or apply a trained one (--probe-checkpoint: V-JEPA 2, V-JEPA, Hugging Face)
  suite    the embedded evaluation: digit + direction tasks with random-init, one-frame and pixel controls
  main     train V-JEPA and the pixel control (as vjepa-train does), then the suite

vjepa-eval <command> --help   the options of one command

${EXIT_CODES}

Example
  vjepa-eval extract --checkpoint runs/main --input videos/ --out features/
`;
