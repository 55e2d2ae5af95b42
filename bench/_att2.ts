import * as tf from '@tensorflow/tfjs-core';
import { setupBackend } from '@vjepa/backends';
await setupBackend('wasm');
const [B, H, N, hd] = [16, 3, 256, 64];
const q = tf.randomNormal([B, H, N, hd]); const k = tf.randomNormal([B, H, N, hd]); const v = tf.randomNormal([B, H, N, hd]);
for (let i = 0; i < 5; i++) { const [o, l] = tf.engine().runKernel('VjepaFusedAttention', { q, k, v }, { scale: 0.125 }) as tf.Tensor[]; o.dispose(); l.dispose(); }
