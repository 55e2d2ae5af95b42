// vjepa-ts: wasm SIMD kernels that run on the tfjs wasm backend's own heap.
//
// Built by packages/backends/scripts/build-simd.mjs (clang --target=wasm32 -msimd128) into
// kernels-wasm.ts. The module imports the backend's WebAssembly.Memory, so every pointer below is a
// byte offset into the tfjs heap, given by the kernels in ../fused/. It must own no memory of its
// own: no data segments, no static variables, no shadow stack (every local stays a wasm local). The
// build script checks all three, since a data segment or a stack write would land in tfjs's heap.
#include <wasm_simd128.h>

#define EXPORT(name) __attribute__((export_name(#name)))
typedef v128_t f4;

static inline float hsum(f4 v) {
  return wasm_f32x4_extract_lane(v, 0) + wasm_f32x4_extract_lane(v, 1) + wasm_f32x4_extract_lane(v, 2) + wasm_f32x4_extract_lane(v, 3);
}
static inline double hsum2(v128_t v) { return wasm_f64x2_extract_lane(v, 0) + wasm_f64x2_extract_lane(v, 1); }

// Row sum of d floats, in float64 (two f64x2 accumulators per f32x4 load).
static inline double rowsum64(const float *x, int d) {
  v128_t a = wasm_f64x2_splat(0), b = wasm_f64x2_splat(0);
  int j = 0;
  for (; j + 4 <= d; j += 4) {
    f4 v = wasm_v128_load(x + j);
    a = wasm_f64x2_add(a, wasm_f64x2_promote_low_f32x4(v));
    b = wasm_f64x2_add(b, wasm_f64x2_promote_low_f32x4(wasm_i32x4_shuffle(v, v, 2, 3, 0, 1)));
  }
  double s = hsum2(wasm_f64x2_add(a, b));
  for (; j < d; j++) s += x[j];
  return s;
}

// ---- layer norm over the last axis: y = (x - mean) * rstd [* gamma + beta]; stats[r] = (mean, rstd)
EXPORT(layer_norm)
void layer_norm(const float *x, const float *gamma, const float *beta, float *y, float *stats, int rows, int d, float eps, int affine) {
  for (int r = 0; r < rows; r++) {
    const float *xr = x + (long)r * d;
    float *yr = y + (long)r * d;
    double mean = rowsum64(xr, d) / d;
    f4 m4 = wasm_f32x4_splat((float)mean);
    v128_t a = wasm_f64x2_splat(0), b = wasm_f64x2_splat(0);
    int j = 0;
    for (; j + 4 <= d; j += 4) {
      // centred in float64: the same as the float64 JS kernel
      f4 v = wasm_v128_load(xr + j);
      v128_t lo = wasm_f64x2_sub(wasm_f64x2_promote_low_f32x4(v), wasm_f64x2_splat(mean));
      v128_t hi = wasm_f64x2_sub(wasm_f64x2_promote_low_f32x4(wasm_i32x4_shuffle(v, v, 2, 3, 0, 1)), wasm_f64x2_splat(mean));
      a = wasm_f64x2_add(a, wasm_f64x2_mul(lo, lo));
      b = wasm_f64x2_add(b, wasm_f64x2_mul(hi, hi));
    }
    double ss = hsum2(wasm_f64x2_add(a, b));
    for (; j < d; j++) {
      double c = xr[j] - mean;
      ss += c * c;
    }
    double rstd = 1.0 / __builtin_sqrt(ss / d + eps);
    f4 r4 = wasm_f32x4_splat((float)rstd);
    j = 0;
    if (affine) {
      for (; j + 4 <= d; j += 4) {
        f4 c = wasm_f32x4_mul(wasm_f32x4_sub(wasm_v128_load(xr + j), m4), r4);
        wasm_v128_store(yr + j, wasm_f32x4_add(wasm_f32x4_mul(c, wasm_v128_load(gamma + j)), wasm_v128_load(beta + j)));
      }
      for (; j < d; j++) yr[j] = (xr[j] - (float)mean) * (float)rstd * gamma[j] + beta[j];
    } else {
      for (; j + 4 <= d; j += 4) wasm_v128_store(yr + j, wasm_f32x4_mul(wasm_f32x4_sub(wasm_v128_load(xr + j), m4), r4));
      for (; j < d; j++) yr[j] = (xr[j] - (float)mean) * (float)rstd;
    }
    stats[2 * r] = (float)mean;
    stats[2 * r + 1] = (float)rstd;
  }
}

// ---- layer norm gradient. colsum: 2 * d float64 of scratch (the gamma / beta gradient column sums).
EXPORT(layer_norm_grad)
void layer_norm_grad(const float *x, const float *stats, const float *dy, const float *gamma, float *dx, float *dgamma, float *dbeta, double *colsum, int rows, int d, int affine) {
  if (affine)
    for (int j = 0; j < 2 * d; j++) colsum[j] = 0;
  double *colG = colsum, *colB = colsum + d;
  for (int r = 0; r < rows; r++) {
    const float *xr = x + (long)r * d, *dr = dy + (long)r * d;
    float *out = dx + (long)r * d;
    f4 m4 = wasm_f32x4_splat(stats[2 * r]);
    f4 r4 = wasm_f32x4_splat(stats[2 * r + 1]);
    f4 sg = wasm_f32x4_splat(0), sgx = wasm_f32x4_splat(0);
    int j = 0;
    for (; j + 4 <= d; j += 4) {
      f4 xh = wasm_f32x4_mul(wasm_f32x4_sub(wasm_v128_load(xr + j), m4), r4);
      f4 dyj = wasm_v128_load(dr + j);
      f4 g = affine ? wasm_f32x4_mul(dyj, wasm_v128_load(gamma + j)) : dyj;
      sg = wasm_f32x4_add(sg, g);
      sgx = wasm_f32x4_add(sgx, wasm_f32x4_mul(g, xh));
      if (affine) {
        f4 p = wasm_f32x4_mul(dyj, xh);
        v128_t *cg = (v128_t *)(colG + j), *cb = (v128_t *)(colB + j);
        cg[0] = wasm_f64x2_add(cg[0], wasm_f64x2_promote_low_f32x4(p));
        cg[1] = wasm_f64x2_add(cg[1], wasm_f64x2_promote_low_f32x4(wasm_i32x4_shuffle(p, p, 2, 3, 0, 1)));
        cb[0] = wasm_f64x2_add(cb[0], wasm_f64x2_promote_low_f32x4(dyj));
        cb[1] = wasm_f64x2_add(cb[1], wasm_f64x2_promote_low_f32x4(wasm_i32x4_shuffle(dyj, dyj, 2, 3, 0, 1)));
      }
    }
    float sumG = hsum(sg), sumGX = hsum(sgx);
    float mean = stats[2 * r], rstd = stats[2 * r + 1];
    for (int t = j; t < d; t++) {
      float xh = (xr[t] - mean) * rstd;
      float g = affine ? dr[t] * gamma[t] : dr[t];
      sumG += g;
      sumGX += g * xh;
      if (affine) {
        colG[t] += (double)(dr[t] * xh);
        colB[t] += dr[t];
      }
    }
    f4 mG = wasm_f32x4_splat(sumG / d), mGX = wasm_f32x4_splat(sumGX / d);
    j = 0;
    for (; j + 4 <= d; j += 4) {
      f4 xh = wasm_f32x4_mul(wasm_f32x4_sub(wasm_v128_load(xr + j), m4), r4);
      f4 dyj = wasm_v128_load(dr + j);
      f4 g = affine ? wasm_f32x4_mul(dyj, wasm_v128_load(gamma + j)) : dyj;
      wasm_v128_store(out + j, wasm_f32x4_mul(r4, wasm_f32x4_sub(wasm_f32x4_sub(g, mG), wasm_f32x4_mul(xh, mGX))));
    }
    for (; j < d; j++) {
      float xh = (xr[j] - mean) * rstd;
      float g = affine ? dr[j] * gamma[j] : dr[j];
      out[j] = rstd * (g - sumG / d - xh * (sumGX / d));
    }
  }
  if (affine)
    for (int j = 0; j < d; j++) {
      dgamma[j] = (float)colG[j];
      dbeta[j] = (float)colB[j];
    }
}

// ---- exp(x) for float32 lanes: 2^n * p(r), x = n ln2 + r, |r| <= ln2 / 2 (Cephes' expf polynomial,
// relative error ~1e-7 over the float32 range); underflows to 0 below -87.3, as expf.
static inline f4 exp4(f4 x) {
  x = wasm_f32x4_max(wasm_f32x4_min(x, wasm_f32x4_splat(88.3762626647949f)), wasm_f32x4_splat(-87.3365447505531f));
  f4 n = wasm_f32x4_nearest(wasm_f32x4_mul(x, wasm_f32x4_splat(1.44269504088896341f)));
  f4 r = wasm_f32x4_sub(x, wasm_f32x4_mul(n, wasm_f32x4_splat(0.693359375f)));
  r = wasm_f32x4_add(r, wasm_f32x4_mul(n, wasm_f32x4_splat(2.12194440e-4f)));
  f4 p = wasm_f32x4_splat(1.9875691500e-4f);
  p = wasm_f32x4_add(wasm_f32x4_mul(p, r), wasm_f32x4_splat(1.3981999507e-3f));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, r), wasm_f32x4_splat(8.3334519073e-3f));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, r), wasm_f32x4_splat(4.1665795894e-2f));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, r), wasm_f32x4_splat(1.6666665459e-1f));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, r), wasm_f32x4_splat(5.0000001201e-1f));
  p = wasm_f32x4_add(wasm_f32x4_mul(wasm_f32x4_mul(p, r), r), wasm_f32x4_add(r, wasm_f32x4_splat(1.0f)));
  // 2^n: n + 127 into the exponent field (n in [-126, 127] after the clamp, except at the very bottom,
  // where the product is then below float32's smallest normal and flushes towards 0 like expf)
  v128_t e = wasm_i32x4_shl(wasm_i32x4_add(wasm_i32x4_trunc_sat_f32x4(n), wasm_i32x4_splat(127)), 23);
  e = wasm_v128_and(e, wasm_i32x4_gt(wasm_i32x4_trunc_sat_f32x4(n), wasm_i32x4_splat(-127)));
  return wasm_f32x4_mul(p, e);
}

// tfjs's erf approximation (Abramowitz and Stegun 7.1.26, the constants of tfjs's backend_util),
// Phi(x) = 0.5 (1 + erf(x / sqrt 2)) and phi(x) = exp(-x^2 / 2) / sqrt(2 pi).
#define ERF_P 0.3275911f
#define ERF_A1 0.254829592f
#define ERF_A2 -0.284496736f
#define ERF_A3 1.421413741f
#define ERF_A4 -1.453152027f
#define ERF_A5 1.061405429f
static inline f4 Phi4(f4 x) {
  f4 a = wasm_f32x4_mul(x, wasm_f32x4_splat(0.70710678118654752f));
  f4 v = wasm_f32x4_abs(a);
  f4 t = wasm_f32x4_div(wasm_f32x4_splat(1.0f), wasm_f32x4_add(wasm_f32x4_splat(1.0f), wasm_f32x4_mul(wasm_f32x4_splat(ERF_P), v)));
  f4 p = wasm_f32x4_splat(ERF_A5);
  p = wasm_f32x4_add(wasm_f32x4_mul(p, t), wasm_f32x4_splat(ERF_A4));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, t), wasm_f32x4_splat(ERF_A3));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, t), wasm_f32x4_splat(ERF_A2));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, t), wasm_f32x4_splat(ERF_A1));
  f4 e = wasm_f32x4_sub(wasm_f32x4_splat(1.0f), wasm_f32x4_mul(wasm_f32x4_mul(p, t), exp4(wasm_f32x4_neg(wasm_f32x4_mul(v, v)))));
  // erf(a) = sign(a) e
  e = wasm_v128_or(e, wasm_v128_and(a, wasm_i32x4_splat((int)0x80000000)));
  return wasm_f32x4_mul(wasm_f32x4_splat(0.5f), wasm_f32x4_add(wasm_f32x4_splat(1.0f), e));
}
static inline f4 phi4(f4 x) {
  return wasm_f32x4_mul(exp4(wasm_f32x4_mul(wasm_f32x4_mul(x, x), wasm_f32x4_splat(-0.5f))), wasm_f32x4_splat(0.3989422804014327f));
}

// Exact GELU, x Phi(x): 0 for x <= -8 (-inf included) and x for x >= 8, as in float32; NaN stays NaN.
static inline f4 gelu4(f4 x) {
  f4 y = wasm_f32x4_mul(x, Phi4(x));
  y = wasm_v128_bitselect(x, y, wasm_f32x4_ge(x, wasm_f32x4_splat(8.0f)));
  return wasm_v128_andnot(y, wasm_f32x4_le(x, wasm_f32x4_splat(-8.0f)));
}
// d gelu / dx = Phi(x) + x phi(x): 1 above 8, 0 below -8.
static inline f4 gelu_grad4(f4 x) {
  f4 g = wasm_f32x4_add(Phi4(x), wasm_f32x4_mul(x, phi4(x)));
  g = wasm_v128_bitselect(wasm_f32x4_splat(1.0f), g, wasm_f32x4_ge(x, wasm_f32x4_splat(8.0f)));
  return wasm_v128_andnot(g, wasm_f32x4_le(x, wasm_f32x4_splat(-8.0f)));
}

// n elements; the tails (n % 4) go through a 4-lane copy so every lane uses the same formula.
// The last n % 4 elements as one zero-padded vector, and back (no array: the module has no stack).
static inline f4 load_tail(const float *x, int k) {
  return wasm_f32x4_make(x[0], k > 1 ? x[1] : 0.0f, k > 2 ? x[2] : 0.0f, 0.0f);
}
static inline void store_tail(float *y, f4 v, int k) {
  y[0] = wasm_f32x4_extract_lane(v, 0);
  if (k > 1) y[1] = wasm_f32x4_extract_lane(v, 1);
  if (k > 2) y[2] = wasm_f32x4_extract_lane(v, 2);
}

// n elements; the tail (n % 4) goes through one padded vector so every element uses the same formula.
EXPORT(gelu)
void gelu(const float *x, float *y, int n) {
  int i = 0;
  for (; i + 4 <= n; i += 4) wasm_v128_store(y + i, gelu4(wasm_v128_load(x + i)));
  if (i < n) store_tail(y + i, gelu4(load_tail(x + i, n - i)), n - i);
}

EXPORT(gelu_grad)
void gelu_grad(const float *x, const float *dy, float *dx, int n) {
  int i = 0;
  for (; i + 4 <= n; i += 4) wasm_v128_store(dx + i, wasm_f32x4_mul(wasm_v128_load(dy + i), gelu_grad4(wasm_v128_load(x + i))));
  if (i < n) store_tail(dx + i, wasm_f32x4_mul(load_tail(dy + i, n - i), gelu_grad4(load_tail(x + i, n - i))), n - i);
}

// ---- dst[c, r] = scale * src[r, c] for a rows x cols matrix, in 4x4 blocks.
EXPORT(transpose)
void transpose(const float *src, float *dst, int rows, int cols, float scale) {
  f4 s4 = wasm_f32x4_splat(scale);
  int r = 0;
  for (; r + 4 <= rows; r += 4) {
    int c = 0;
    for (; c + 4 <= cols; c += 4) {
      f4 a = wasm_f32x4_mul(wasm_v128_load(src + (long)r * cols + c), s4);
      f4 b = wasm_f32x4_mul(wasm_v128_load(src + (long)(r + 1) * cols + c), s4);
      f4 e = wasm_f32x4_mul(wasm_v128_load(src + (long)(r + 2) * cols + c), s4);
      f4 f = wasm_f32x4_mul(wasm_v128_load(src + (long)(r + 3) * cols + c), s4);
      f4 ab0 = wasm_i32x4_shuffle(a, b, 0, 4, 1, 5), ab1 = wasm_i32x4_shuffle(a, b, 2, 6, 3, 7);
      f4 ef0 = wasm_i32x4_shuffle(e, f, 0, 4, 1, 5), ef1 = wasm_i32x4_shuffle(e, f, 2, 6, 3, 7);
      wasm_v128_store(dst + (long)c * rows + r, wasm_i32x4_shuffle(ab0, ef0, 0, 1, 4, 5));
      wasm_v128_store(dst + (long)(c + 1) * rows + r, wasm_i32x4_shuffle(ab0, ef0, 2, 3, 6, 7));
      wasm_v128_store(dst + (long)(c + 2) * rows + r, wasm_i32x4_shuffle(ab1, ef1, 0, 1, 4, 5));
      wasm_v128_store(dst + (long)(c + 3) * rows + r, wasm_i32x4_shuffle(ab1, ef1, 2, 3, 6, 7));
    }
    for (; c < cols; c++)
      for (int k = 0; k < 4; k++) dst[(long)c * rows + r + k] = src[(long)(r + k) * cols + c] * scale;
  }
  for (; r < rows; r++)
    for (int c = 0; c < cols; c++) dst[(long)c * rows + r] = src[(long)r * cols + c] * scale;
}

// ---- column sums of a rows x cols matrix in float64 (the bias gradient); colsum: cols float64 scratch.
EXPORT(column_sums)
void column_sums(const float *src, float *out, double *colsum, int rows, int cols) {
  for (int c = 0; c < cols; c++) colsum[c] = 0;
  for (int r = 0; r < rows; r++) {
    const float *row = src + (long)r * cols;
    int c = 0;
    for (; c + 4 <= cols; c += 4) {
      f4 v = wasm_v128_load(row + c);
      v128_t *acc = (v128_t *)(colsum + c);
      acc[0] = wasm_f64x2_add(acc[0], wasm_f64x2_promote_low_f32x4(v));
      acc[1] = wasm_f64x2_add(acc[1], wasm_f64x2_promote_low_f32x4(wasm_i32x4_shuffle(v, v, 2, 3, 0, 1)));
    }
    for (; c < cols; c++) colsum[c] += row[c];
  }
  for (int c = 0; c < cols; c++) out[c] = (float)colsum[c];
}

// ---- AdamW (PyTorch's order: decoupled decay first, moments stored, then the step) in float32
// lanes, as PyTorch computes it: p' = p decay - m' / (sqrt(v') / bc2Sqrt + eps) stepSize. oneMinusBeta1
// and oneMinusBeta2 come from the host in float64 (as PyTorch's Python-side 1 - beta): 1 - 0.999f in
// float32 would be 5e-5 off.
EXPORT(adamw)
void adamw(const float *p, const float *g, const float *m, const float *v, float *po, float *mo, float *vo, int n, float decay, float oneMinusBeta1, float beta2, float oneMinusBeta2, float stepSize, float bc2Sqrt, float eps) {
  f4 dc = wasm_f32x4_splat(decay), b2 = wasm_f32x4_splat(beta2), c1 = wasm_f32x4_splat(oneMinusBeta1), c2 = wasm_f32x4_splat(oneMinusBeta2);
  f4 st = wasm_f32x4_splat(stepSize), bc = wasm_f32x4_splat(bc2Sqrt), ep = wasm_f32x4_splat(eps);
  int i = 0;
  for (; i + 4 <= n; i += 4) {
    f4 gi = wasm_v128_load(g + i), mi = wasm_v128_load(m + i);
    f4 m1 = wasm_f32x4_add(mi, wasm_f32x4_mul(wasm_f32x4_sub(gi, mi), c1));
    f4 v1 = wasm_f32x4_add(wasm_f32x4_mul(wasm_v128_load(v + i), b2), wasm_f32x4_mul(wasm_f32x4_mul(gi, gi), c2));
    f4 den = wasm_f32x4_add(wasm_f32x4_div(wasm_f32x4_sqrt(v1), bc), ep);
    wasm_v128_store(mo + i, m1);
    wasm_v128_store(vo + i, v1);
    wasm_v128_store(po + i, wasm_f32x4_sub(wasm_f32x4_mul(wasm_v128_load(p + i), dc), wasm_f32x4_mul(wasm_f32x4_div(m1, den), st)));
  }
  for (; i < n; i++) {
    float m1 = m[i] + (g[i] - m[i]) * oneMinusBeta1;
    float v1 = v[i] * beta2 + g[i] * g[i] * oneMinusBeta2;
    mo[i] = m1;
    vo[i] = v1;
    po[i] = p[i] * decay - m1 / (__builtin_sqrtf(v1) / bc2Sqrt + eps) * stepSize;
  }
}

// ---- EMA of the target encoder: t' = t momentum + online rest.
EXPORT(ema)
void ema(const float *t, const float *online, float *out, int n, float momentum, float rest) {
  f4 mo = wasm_f32x4_splat(momentum), re = wasm_f32x4_splat(rest);
  int i = 0;
  for (; i + 4 <= n; i += 4) wasm_v128_store(out + i, wasm_f32x4_add(wasm_f32x4_mul(wasm_v128_load(t + i), mo), wasm_f32x4_mul(wasm_v128_load(online + i), re)));
  for (; i < n; i++) out[i] = t[i] * momentum + online[i] * rest;
}

// ---- out[m, n] = a[m, k] b[k, n] (+ bias[n] when bias is not 0), row-major, for the small products
// where a library call costs more than the arithmetic: 4 x 8 register blocks started from the bias
// (as XNNPACK's GEMMs do), the k sum in order.
static inline f4 bias4(const float *bias, int j) { return bias ? wasm_v128_load(bias + j) : wasm_f32x4_splat(0); }
static inline float bias1(const float *bias, int j) { return bias ? bias[j] : 0.0f; }

EXPORT(matmul_small)
void matmul_small(const float *a, const float *b, const float *bias, float *out, int m, int k, int n) {
  int i = 0;
  for (; i + 4 <= m; i += 4) {
    const float *a0 = a + (long)i * k, *a1 = a0 + k, *a2 = a1 + k, *a3 = a2 + k;
    float *o0 = out + (long)i * n, *o1 = o0 + n, *o2 = o1 + n, *o3 = o2 + n;
    int j = 0;
    for (; j + 8 <= n; j += 8) {
      f4 c00 = bias4(bias, j), c01 = bias4(bias, j + 4), c10 = c00, c11 = c01, c20 = c00, c21 = c01, c30 = c00, c31 = c01;
      for (int t = 0; t < k; t++) {
        const float *br = b + (long)t * n + j;
        f4 b0 = wasm_v128_load(br), b1 = wasm_v128_load(br + 4);
        f4 x0 = wasm_f32x4_splat(a0[t]), x1 = wasm_f32x4_splat(a1[t]), x2 = wasm_f32x4_splat(a2[t]), x3 = wasm_f32x4_splat(a3[t]);
        c00 = wasm_f32x4_add(c00, wasm_f32x4_mul(x0, b0));
        c01 = wasm_f32x4_add(c01, wasm_f32x4_mul(x0, b1));
        c10 = wasm_f32x4_add(c10, wasm_f32x4_mul(x1, b0));
        c11 = wasm_f32x4_add(c11, wasm_f32x4_mul(x1, b1));
        c20 = wasm_f32x4_add(c20, wasm_f32x4_mul(x2, b0));
        c21 = wasm_f32x4_add(c21, wasm_f32x4_mul(x2, b1));
        c30 = wasm_f32x4_add(c30, wasm_f32x4_mul(x3, b0));
        c31 = wasm_f32x4_add(c31, wasm_f32x4_mul(x3, b1));
      }
      wasm_v128_store(o0 + j, c00);
      wasm_v128_store(o0 + j + 4, c01);
      wasm_v128_store(o1 + j, c10);
      wasm_v128_store(o1 + j + 4, c11);
      wasm_v128_store(o2 + j, c20);
      wasm_v128_store(o2 + j + 4, c21);
      wasm_v128_store(o3 + j, c30);
      wasm_v128_store(o3 + j + 4, c31);
    }
    for (; j + 4 <= n; j += 4) {
      f4 c0 = bias4(bias, j), c1 = c0, c2 = c0, c3 = c0;
      for (int t = 0; t < k; t++) {
        f4 bv = wasm_v128_load(b + (long)t * n + j);
        c0 = wasm_f32x4_add(c0, wasm_f32x4_mul(wasm_f32x4_splat(a0[t]), bv));
        c1 = wasm_f32x4_add(c1, wasm_f32x4_mul(wasm_f32x4_splat(a1[t]), bv));
        c2 = wasm_f32x4_add(c2, wasm_f32x4_mul(wasm_f32x4_splat(a2[t]), bv));
        c3 = wasm_f32x4_add(c3, wasm_f32x4_mul(wasm_f32x4_splat(a3[t]), bv));
      }
      wasm_v128_store(o0 + j, c0);
      wasm_v128_store(o1 + j, c1);
      wasm_v128_store(o2 + j, c2);
      wasm_v128_store(o3 + j, c3);
    }
    for (; j < n; j++) {
      float s0 = bias1(bias, j), s1 = s0, s2 = s0, s3 = s0;
      for (int t = 0; t < k; t++) {
        float bv = b[(long)t * n + j];
        s0 += a0[t] * bv;
        s1 += a1[t] * bv;
        s2 += a2[t] * bv;
        s3 += a3[t] * bv;
      }
      o0[j] = s0;
      o1[j] = s1;
      o2[j] = s2;
      o3[j] = s3;
    }
  }
  for (; i < m; i++) {
    const float *ar = a + (long)i * k;
    float *o = out + (long)i * n;
    int j = 0;
    for (; j + 4 <= n; j += 4) {
      f4 c = bias4(bias, j);
      for (int t = 0; t < k; t++) c = wasm_f32x4_add(c, wasm_f32x4_mul(wasm_f32x4_splat(ar[t]), wasm_v128_load(b + (long)t * n + j)));
      wasm_v128_store(o + j, c);
    }
    for (; j < n; j++) {
      float s = bias1(bias, j);
      for (int t = 0; t < k; t++) s += ar[t] * b[(long)t * n + j];
      o[j] = s;
    }
  }
}

// ---- the runs of a transpose that keeps the innermost axis: for every output position (i0..i3) of the
// outer axes, in order, copy `run` 4-byte values from src + i0 s0 + i1 s1 + i2 s2 + i3 s3 (strides in
// elements) to the next place in dst. Up to 4 outer axes (pad with size 1, stride 0).
EXPORT(copy_runs)
void copy_runs(const float *src, float *dst, int run, int o0, int o1, int o2, int o3, int s0, int s1, int s2, int s3) {
  for (int i0 = 0; i0 < o0; i0++)
    for (int i1 = 0; i1 < o1; i1++)
      for (int i2 = 0; i2 < o2; i2++)
        for (int i3 = 0; i3 < o3; i3++) {
          const float *s = src + (long)i0 * s0 + (long)i1 * s1 + (long)i2 * s2 + (long)i3 * s3;
          int j = 0;
          for (; j + 4 <= run; j += 4) wasm_v128_store(dst + j, wasm_v128_load(s + j));
          for (; j < run; j++) dst[j] = s[j];
          dst += run;
        }
}

// ---- natural log in float64 for positive finite x: x = 2^e m, m in [sqrt(1/2), sqrt(2)),
// log m = 2 atanh((m - 1) / (m + 1)) by its series to z^19 (|z| <= 0.1716: error below 1e-15).
static double log64(double x) {
  unsigned long long bits = __builtin_bit_cast(unsigned long long, x);
  int e = (int)((bits >> 52) & 0x7ff) - 1023;
  double m = __builtin_bit_cast(double, (bits & 0x000fffffffffffffULL) | 0x3ff0000000000000ULL);
  if (m > 1.4142135623730951) {
    m *= 0.5;
    e += 1;
  }
  double z = (m - 1) / (m + 1), z2 = z * z;
  double s = 1.0 / 19;
  for (int k = 17; k >= 1; k -= 2) s = s * z2 + 1.0 / k;
  return e * 0.6931471805599453 + 2 * z * s;
}

// ---- attention's log-sum-exp per row from its scores s and probabilities p (rows x n):
// lse = s_j - log p_j at the row's largest score (the largest p: no underflow), in float64.
EXPORT(attention_lse)
void attention_lse(const float *s, const float *p, float *lse, int rows, int n) {
  for (int r = 0; r < rows; r++) {
    const float *sr = s + (long)r * n, *pr = p + (long)r * n;
    int best = 0;
    for (int j = 1; j < n; j++)
      if (sr[j] > sr[best]) best = j;
    lse[r] = (float)((double)sr[best] - log64((double)pr[best]));
  }
}

// ---- attention backward, one head: d_i = sum_j dO[i, j] O[i, j] (float64), then
// dS = P * (dP - d_i) * scale written over P (m x n), in float64 per element.
EXPORT(attention_ds)
void attention_ds(float *p, const float *dp, const float *dout, const float *out, int m, int n, int hd, double scale) {
  for (int i = 0; i < m; i++) {
    const float *a = dout + (long)i * hd, *b = out + (long)i * hd;
    double d = 0;
    for (int j = 0; j < hd; j++) d += (double)a[j] * (double)b[j];
    float *pr = p + (long)i * n;
    const float *sr = dp + (long)i * n;
    for (int j = 0; j < n; j++) pr[j] = (float)((double)pr[j] * ((double)sr[j] - d) * scale);
  }
}
