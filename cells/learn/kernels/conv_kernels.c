/*
 * Voxbook's SIMD convolution-gradient kernels for tfjs-backend-wasm.
 *
 * Built to cells/learn/kernels/conv_kernels.wasm by build.mjs (clang 14, --target=wasm32
 * -msimd128 -O3, freestanding, no libc). The module IMPORTS the tfjs wasm backend's own
 * linear memory (env.memory), so every pointer below is a byte offset into the tfjs heap
 * (what BackendWasm.dataIdMap.get(dataId).memoryOffset gives): no copies in or out.
 * Nothing here may use linear memory of its own (no static data, no shadow stack):
 * build.mjs checks the output has no data segment and no __stack_pointer global.
 *
 * Layouts are tfjs's: activations NHWC, filters [kh, kw, in, out], all float32, row-major.
 */
#include <wasm_simd128.h>

#define EXPORT(name) __attribute__((export_name(#name), visibility("default")))

typedef float f32;

/*
 * Accumulates over `count` pixels p:  dw[c][o] += x[p*xs + c] * dy[p*ds + o]
 * for c < ci, o < co; dw is row-major [ci][co]. Register-blocked 4 (in) x 8 (out):
 * eight f32x4 accumulators, one splat per input channel, two loads of dy per pixel.
 */
static void outer_accumulate(const f32 *x, int xs, const f32 *dy, int ds, int count, f32 *dw, int ci, int co) {
  int c = 0;
  for (; c + 4 <= ci; c += 4) {
    int o = 0;
    for (; o + 8 <= co; o += 8) {
      f32 *d0 = dw + (c + 0) * co + o, *d1 = dw + (c + 1) * co + o, *d2 = dw + (c + 2) * co + o, *d3 = dw + (c + 3) * co + o;
      v128_t a00 = wasm_v128_load(d0), a01 = wasm_v128_load(d0 + 4);
      v128_t a10 = wasm_v128_load(d1), a11 = wasm_v128_load(d1 + 4);
      v128_t a20 = wasm_v128_load(d2), a21 = wasm_v128_load(d2 + 4);
      v128_t a30 = wasm_v128_load(d3), a31 = wasm_v128_load(d3 + 4);
      const f32 *xp = x + c, *gp = dy + o;
      for (int p = 0; p < count; p++, xp += xs, gp += ds) {
        v128_t g0 = wasm_v128_load(gp), g1 = wasm_v128_load(gp + 4);
        v128_t s = wasm_v128_load32_splat(xp);
        a00 = wasm_f32x4_add(a00, wasm_f32x4_mul(s, g0));
        a01 = wasm_f32x4_add(a01, wasm_f32x4_mul(s, g1));
        s = wasm_v128_load32_splat(xp + 1);
        a10 = wasm_f32x4_add(a10, wasm_f32x4_mul(s, g0));
        a11 = wasm_f32x4_add(a11, wasm_f32x4_mul(s, g1));
        s = wasm_v128_load32_splat(xp + 2);
        a20 = wasm_f32x4_add(a20, wasm_f32x4_mul(s, g0));
        a21 = wasm_f32x4_add(a21, wasm_f32x4_mul(s, g1));
        s = wasm_v128_load32_splat(xp + 3);
        a30 = wasm_f32x4_add(a30, wasm_f32x4_mul(s, g0));
        a31 = wasm_f32x4_add(a31, wasm_f32x4_mul(s, g1));
      }
      wasm_v128_store(d0, a00); wasm_v128_store(d0 + 4, a01);
      wasm_v128_store(d1, a10); wasm_v128_store(d1 + 4, a11);
      wasm_v128_store(d2, a20); wasm_v128_store(d2 + 4, a21);
      wasm_v128_store(d3, a30); wasm_v128_store(d3 + 4, a31);
    }
    for (; o < co; o++) {
      f32 s0 = 0, s1 = 0, s2 = 0, s3 = 0;
      const f32 *xp = x + c, *gp = dy + o;
      for (int p = 0; p < count; p++, xp += xs, gp += ds) {
        f32 g = *gp;
        s0 += xp[0] * g; s1 += xp[1] * g; s2 += xp[2] * g; s3 += xp[3] * g;
      }
      dw[(c + 0) * co + o] += s0; dw[(c + 1) * co + o] += s1;
      dw[(c + 2) * co + o] += s2; dw[(c + 3) * co + o] += s3;
    }
  }
  for (; c < ci; c++) {
    int o = 0;
    for (; o + 8 <= co; o += 8) {
      f32 *d = dw + c * co + o;
      v128_t a0 = wasm_v128_load(d), a1 = wasm_v128_load(d + 4);
      const f32 *xp = x + c, *gp = dy + o;
      for (int p = 0; p < count; p++, xp += xs, gp += ds) {
        v128_t s = wasm_v128_load32_splat(xp);
        a0 = wasm_f32x4_add(a0, wasm_f32x4_mul(s, wasm_v128_load(gp)));
        a1 = wasm_f32x4_add(a1, wasm_f32x4_mul(s, wasm_v128_load(gp + 4)));
      }
      wasm_v128_store(d, a0); wasm_v128_store(d + 4, a1);
    }
    for (; o < co; o++) {
      f32 s0 = 0;
      const f32 *xp = x + c, *gp = dy + o;
      for (int p = 0; p < count; p++, xp += xs, gp += ds) s0 += *xp * *gp;
      dw[c * co + o] += s0;
    }
  }
}

/*
 * Filter gradient of a 2D convolution (TensorFlow's Conv2DBackpropFilter), NHWC:
 *   dw[ky][kx][c][o] = sum_{n,oy,ox} x[n][oy*sh+ky-pt][ox*sw+kx-pl][c] * dy[n][oy][ox][o]
 * (taps outside the input are zero padding). x: [n, h, w, ci]; dy: [n, oh, ow, co];
 * dw: [kh, kw, ci, co], overwritten. Dilation 1.
 */
EXPORT(conv2d_filter_grad)
void conv2d_filter_grad(const f32 *x, const f32 *dy, f32 *dw, int n, int h, int w, int ci, int oh, int ow, int co,
                        int kh, int kw, int sh, int sw, int pt, int pl) {
  int total = kh * kw * ci * co;
  for (int i = 0; i < total; i++) dw[i] = 0.0f;
  for (int b = 0; b < n; b++) {
    for (int oy = 0; oy < oh; oy++) {
      const f32 *dyrow = dy + ((long)(b * oh + oy) * ow) * co;
      for (int ky = 0; ky < kh; ky++) {
        int iy = oy * sh + ky - pt;
        if (iy < 0 || iy >= h) continue;
        const f32 *xrow = x + ((long)(b * h + iy) * w) * ci;
        for (int kx = 0; kx < kw; kx++) {
          /* output columns whose tap ix = ox*sw + kx - pl lies inside [0, w) */
          int lo = pl - kx;
          int ox0 = lo <= 0 ? 0 : (lo + sw - 1) / sw;
          int hi = w - 1 + pl - kx;
          if (hi < 0) continue;
          int ox1 = hi / sw + 1;
          if (ox1 > ow) ox1 = ow;
          if (ox0 >= ox1) continue;
          outer_accumulate(xrow + (ox0 * sw + kx - pl) * ci, sw * ci, dyrow + ox0 * co, co, ox1 - ox0,
                           dw + (ky * kw + kx) * ci * co, ci, co);
        }
      }
    }
  }
}

/*
 * Accumulates, for `count` pixels j:  dx[j*xs + c] += sum_o dy[j*ds + o] * wt[o*ci + c]
 * (wt is one filter tap transposed to [co][ci]). Register-blocked 4 pixels x 8 channels.
 */
static void tap_accumulate(f32 *dx, int xs, const f32 *dy, int ds, int count, const f32 *wt, int ci, int co) {
  int j = 0;
  for (; j + 4 <= count; j += 4) {
    f32 *x0 = dx + j * xs, *x1 = x0 + xs, *x2 = x1 + xs, *x3 = x2 + xs;
    const f32 *g0 = dy + j * ds, *g1 = g0 + ds, *g2 = g1 + ds, *g3 = g2 + ds;
    int c = 0;
    for (; c + 8 <= ci; c += 8) {
      v128_t a00 = wasm_v128_load(x0 + c), a01 = wasm_v128_load(x0 + c + 4);
      v128_t a10 = wasm_v128_load(x1 + c), a11 = wasm_v128_load(x1 + c + 4);
      v128_t a20 = wasm_v128_load(x2 + c), a21 = wasm_v128_load(x2 + c + 4);
      v128_t a30 = wasm_v128_load(x3 + c), a31 = wasm_v128_load(x3 + c + 4);
      const f32 *wp = wt + c;
      for (int o = 0; o < co; o++, wp += ci) {
        v128_t w0 = wasm_v128_load(wp), w1 = wasm_v128_load(wp + 4);
        v128_t s = wasm_v128_load32_splat(g0 + o);
        a00 = wasm_f32x4_add(a00, wasm_f32x4_mul(s, w0));
        a01 = wasm_f32x4_add(a01, wasm_f32x4_mul(s, w1));
        s = wasm_v128_load32_splat(g1 + o);
        a10 = wasm_f32x4_add(a10, wasm_f32x4_mul(s, w0));
        a11 = wasm_f32x4_add(a11, wasm_f32x4_mul(s, w1));
        s = wasm_v128_load32_splat(g2 + o);
        a20 = wasm_f32x4_add(a20, wasm_f32x4_mul(s, w0));
        a21 = wasm_f32x4_add(a21, wasm_f32x4_mul(s, w1));
        s = wasm_v128_load32_splat(g3 + o);
        a30 = wasm_f32x4_add(a30, wasm_f32x4_mul(s, w0));
        a31 = wasm_f32x4_add(a31, wasm_f32x4_mul(s, w1));
      }
      wasm_v128_store(x0 + c, a00); wasm_v128_store(x0 + c + 4, a01);
      wasm_v128_store(x1 + c, a10); wasm_v128_store(x1 + c + 4, a11);
      wasm_v128_store(x2 + c, a20); wasm_v128_store(x2 + c + 4, a21);
      wasm_v128_store(x3 + c, a30); wasm_v128_store(x3 + c + 4, a31);
    }
    for (; c < ci; c++) {
      /* few input channels (e.g. the first layer's 1): dot products over the output channels */
      v128_t v0 = wasm_f32x4_splat(0.0f), v1 = v0, v2 = v0, v3 = v0;
      int o = 0;
      for (; o + 4 <= co; o += 4) {
        v128_t wv = wasm_f32x4_make(wt[o * ci + c], wt[(o + 1) * ci + c], wt[(o + 2) * ci + c], wt[(o + 3) * ci + c]);
        v0 = wasm_f32x4_add(v0, wasm_f32x4_mul(wasm_v128_load(g0 + o), wv));
        v1 = wasm_f32x4_add(v1, wasm_f32x4_mul(wasm_v128_load(g1 + o), wv));
        v2 = wasm_f32x4_add(v2, wasm_f32x4_mul(wasm_v128_load(g2 + o), wv));
        v3 = wasm_f32x4_add(v3, wasm_f32x4_mul(wasm_v128_load(g3 + o), wv));
      }
      f32 s0 = wasm_f32x4_extract_lane(v0, 0) + wasm_f32x4_extract_lane(v0, 1) + wasm_f32x4_extract_lane(v0, 2) + wasm_f32x4_extract_lane(v0, 3);
      f32 s1 = wasm_f32x4_extract_lane(v1, 0) + wasm_f32x4_extract_lane(v1, 1) + wasm_f32x4_extract_lane(v1, 2) + wasm_f32x4_extract_lane(v1, 3);
      f32 s2 = wasm_f32x4_extract_lane(v2, 0) + wasm_f32x4_extract_lane(v2, 1) + wasm_f32x4_extract_lane(v2, 2) + wasm_f32x4_extract_lane(v2, 3);
      f32 s3 = wasm_f32x4_extract_lane(v3, 0) + wasm_f32x4_extract_lane(v3, 1) + wasm_f32x4_extract_lane(v3, 2) + wasm_f32x4_extract_lane(v3, 3);
      for (; o < co; o++) {
        f32 w = wt[o * ci + c];
        s0 += g0[o] * w; s1 += g1[o] * w; s2 += g2[o] * w; s3 += g3[o] * w;
      }
      x0[c] += s0; x1[c] += s1; x2[c] += s2; x3[c] += s3;
    }
  }
  for (; j < count; j++) {
    f32 *xp = dx + j * xs;
    const f32 *gp = dy + j * ds;
    int c = 0;
    for (; c + 4 <= ci; c += 4) {
      v128_t a = wasm_v128_load(xp + c);
      for (int o = 0; o < co; o++) a = wasm_f32x4_add(a, wasm_f32x4_mul(wasm_v128_load32_splat(gp + o), wasm_v128_load(wt + o * ci + c)));
      wasm_v128_store(xp + c, a);
    }
    for (; c < ci; c++) {
      f32 s = 0;
      for (int o = 0; o < co; o++) s += gp[o] * wt[o * ci + c];
      xp[c] += s;
    }
  }
}

/*
 * Input gradient of a 2D convolution (TensorFlow's Conv2DBackpropInput; also the forward
 * pass of a transposed convolution), NHWC:
 *   dx[n][iy][ix][c] = sum_{ky,kx,o : iy = oy*sh+ky-pt, ix = ox*sw+kx-pl} dy[n][oy][ox][o] * w[ky][kx][c][o]
 * dy: [n, oh, ow, co]; wt: the filter transposed to [kh, kw, co, ci] (see
 * conv2d_transpose_filter); dx: [n, h, w, ci], overwritten. Dilation 1.
 */
EXPORT(conv2d_input_grad)
void conv2d_input_grad(const f32 *dy, const f32 *wt, f32 *dx, int n, int h, int w, int ci, int oh, int ow, int co,
                       int kh, int kw, int sh, int sw, int pt, int pl) {
  long total = (long)n * h * w * ci;
  for (long i = 0; i < total; i++) dx[i] = 0.0f;
  for (int b = 0; b < n; b++) {
    for (int oy = 0; oy < oh; oy++) {
      const f32 *dyrow = dy + ((long)(b * oh + oy) * ow) * co;
      for (int ky = 0; ky < kh; ky++) {
        int iy = oy * sh + ky - pt;
        if (iy < 0 || iy >= h) continue;
        f32 *dxrow = dx + ((long)(b * h + iy) * w) * ci;
        for (int kx = 0; kx < kw; kx++) {
          int lo = pl - kx;
          int ox0 = lo <= 0 ? 0 : (lo + sw - 1) / sw;
          int hi = w - 1 + pl - kx;
          if (hi < 0) continue;
          int ox1 = hi / sw + 1;
          if (ox1 > ow) ox1 = ow;
          if (ox0 >= ox1) continue;
          tap_accumulate(dxrow + (ox0 * sw + kx - pl) * ci, sw * ci, dyrow + ox0 * co, co, ox1 - ox0,
                         wt + (ky * kw + kx) * co * ci, ci, co);
        }
      }
    }
  }
}

/* wt[ky][kx][o][c] = w[ky][kx][c][o]: w is [kh, kw, ci, co]. */
EXPORT(conv2d_transpose_filter)
void conv2d_transpose_filter(const f32 *w, f32 *wt, int kh, int kw, int ci, int co) {
  for (int k = 0; k < kh * kw; k++) {
    const f32 *src = w + k * ci * co;
    f32 *dst = wt + k * ci * co;
    for (int c = 0; c < ci; c++)
      for (int o = 0; o < co; o++) dst[o * ci + c] = src[c * co + o];
  }
}

/* wf[ky][kx][o][c] = w[kh-1-ky][kw-1-kx][c][o]: the filter of the stride-1 convolution of dy that gives dx. */
EXPORT(conv2d_flip_transpose_filter)
void conv2d_flip_transpose_filter(const f32 *w, f32 *wf, int kh, int kw, int ci, int co) {
  for (int ky = 0; ky < kh; ky++)
    for (int kx = 0; kx < kw; kx++) {
      const f32 *src = w + ((kh - 1 - ky) * kw + (kw - 1 - kx)) * ci * co;
      f32 *dst = wf + (ky * kw + kx) * ci * co;
      for (int c = 0; c < ci; c++)
        for (int o = 0; o < co; o++) dst[o * ci + c] = src[c * co + o];
    }
}

/* ---- Batch normalisation over the channel (last) axis of a [m, c] activation ---------- */

/* Pixels per block so that one block of x (block * c floats) stays within ~32 KB of L1. */
static int block_pixels(int c) {
  int b = 8192 / (c > 0 ? c : 1);
  return b < 16 ? 16 : b;
}

/*
 * acc[k] += sum_p (a[p*c+k] - sub[k]) * (b ? b[p*c+k] : 1)  over m pixels, per channel k
 * (when b == a: sum_p (a[p*c+k] - sub[k])^2),
 * in f64 (acc) from f32 partial sums of at most block_pixels(c) pixels. sub may be 0 (none).
 */
static void channel_sums(const f32 *a, const f32 *b, const f32 *sub, int m, int c, double *acc) {
  int bp = block_pixels(c);
  for (int p0 = 0; p0 < m; p0 += bp) {
    int p1 = p0 + bp < m ? p0 + bp : m;
    int k = 0;
    for (; k + 4 <= c; k += 4) {
      v128_t s = wasm_f32x4_splat(0.0f);
      v128_t mu = sub ? wasm_v128_load(sub + k) : wasm_f32x4_splat(0.0f);
      const f32 *ap = a + (long)p0 * c + k;
      if (b == a) {
        for (int p = p0; p < p1; p++, ap += c) {
          v128_t d = wasm_f32x4_sub(wasm_v128_load(ap), mu);
          s = wasm_f32x4_add(s, wasm_f32x4_mul(d, d));
        }
      } else if (b) {
        const f32 *bp_ = b + (long)p0 * c + k;
        for (int p = p0; p < p1; p++, ap += c, bp_ += c)
          s = wasm_f32x4_add(s, wasm_f32x4_mul(wasm_f32x4_sub(wasm_v128_load(ap), mu), wasm_v128_load(bp_)));
      } else {
        for (int p = p0; p < p1; p++, ap += c) s = wasm_f32x4_add(s, wasm_v128_load(ap));
      }
      acc[k] += wasm_f32x4_extract_lane(s, 0);
      acc[k + 1] += wasm_f32x4_extract_lane(s, 1);
      acc[k + 2] += wasm_f32x4_extract_lane(s, 2);
      acc[k + 3] += wasm_f32x4_extract_lane(s, 3);
    }
    for (; k < c; k++) {
      f32 s = 0, mu = sub ? sub[k] : 0.0f;
      const f32 *ap = a + (long)p0 * c + k;
      if (b == a) {
        for (int p = p0; p < p1; p++, ap += c) s += (*ap - mu) * (*ap - mu);
      } else if (b) {
        const f32 *bq = b + (long)p0 * c + k;
        for (int p = p0; p < p1; p++, ap += c, bq += c) s += (*ap - mu) * *bq;
      } else {
        for (int p = p0; p < p1; p++, ap += c) s += *ap;
      }
      acc[k] += s;
    }
  }
}

/*
 * Batch statistics of x [m, c]: mean[k] and the biased (population) variance var[k], as
 * tf.moments gives. Two passes, f64 accumulation. scratch: 2c doubles.
 */
EXPORT(bn_stats)
void bn_stats(const f32 *x, int m, int c, f32 *mean, f32 *var, double *scratch) {
  double *s1 = scratch, *s2 = scratch + c;
  for (int k = 0; k < c; k++) s1[k] = s2[k] = 0.0;
  channel_sums(x, 0, 0, m, c, s1);
  for (int k = 0; k < c; k++) mean[k] = (f32)(s1[k] / m);
  channel_sums(x, x, mean, m, c, s2); /* sum (x - mean)^2 */
  for (int k = 0; k < c; k++) var[k] = (f32)(s2[k] / m);
}

/* y = (x - mean) / sqrt(var + eps) * gamma + beta over x [m, c]. scratch: 2c floats. */
EXPORT(bn_apply)
void bn_apply(const f32 *x, int m, int c, const f32 *mean, const f32 *var, const f32 *gamma, const f32 *beta,
              f32 eps, f32 *y, f32 *scratch) {
  f32 *scale = scratch, *shift = scratch + c;
  for (int k = 0; k < c; k++) {
    scale[k] = gamma[k] / __builtin_sqrtf(var[k] + eps);
    shift[k] = beta[k] - mean[k] * scale[k];
  }
  for (int p = 0; p < m; p++) {
    const f32 *xp = x + (long)p * c;
    f32 *yp = y + (long)p * c;
    int k = 0;
    for (; k + 4 <= c; k += 4)
      wasm_v128_store(yp + k, wasm_f32x4_add(wasm_f32x4_mul(wasm_v128_load(xp + k), wasm_v128_load(scale + k)), wasm_v128_load(shift + k)));
    for (; k < c; k++) yp[k] = xp[k] * scale[k] + shift[k];
  }
}

/*
 * Gradient of y = bn_apply(x, batch mean, batch var) through the batch statistics:
 *   xhat = (x - mean) r, r = 1/sqrt(var + eps);  dbeta = sum dy;  dgamma = sum dy xhat;
 *   dx = gamma r (dy - dbeta/m - xhat dgamma/m)
 * (Ioffe & Szegedy 2015, arXiv:1502.03167, section 3). scratch: 2c doubles + 3c floats.
 */
EXPORT(bn_grad)
void bn_grad(const f32 *x, const f32 *dy, int m, int c, const f32 *mean, const f32 *var, const f32 *gamma, f32 eps,
             f32 *dx, f32 *dgamma, f32 *dbeta, double *scratch) {
  double *s1 = scratch, *s2 = scratch + c;
  f32 *ca = (f32 *)(scratch + 2 * c), *cb = ca + c, *cc = cb + c;
  for (int k = 0; k < c; k++) s1[k] = s2[k] = 0.0;
  /* one pass for both sums: s1 = sum dy, s2 = sum (x - mean) dy */
  int bp = block_pixels(c);
  for (int p0 = 0; p0 < m; p0 += bp) {
    int p1 = p0 + bp < m ? p0 + bp : m;
    int k = 0;
    for (; k + 4 <= c; k += 4) {
      v128_t a1 = wasm_f32x4_splat(0.0f), a2 = wasm_f32x4_splat(0.0f), mu = wasm_v128_load(mean + k);
      const f32 *xp = x + (long)p0 * c + k, *gp = dy + (long)p0 * c + k;
      for (int p = p0; p < p1; p++, xp += c, gp += c) {
        v128_t g = wasm_v128_load(gp);
        a1 = wasm_f32x4_add(a1, g);
        a2 = wasm_f32x4_add(a2, wasm_f32x4_mul(wasm_f32x4_sub(wasm_v128_load(xp), mu), g));
      }
      s1[k] += wasm_f32x4_extract_lane(a1, 0); s1[k + 1] += wasm_f32x4_extract_lane(a1, 1);
      s1[k + 2] += wasm_f32x4_extract_lane(a1, 2); s1[k + 3] += wasm_f32x4_extract_lane(a1, 3);
      s2[k] += wasm_f32x4_extract_lane(a2, 0); s2[k + 1] += wasm_f32x4_extract_lane(a2, 1);
      s2[k + 2] += wasm_f32x4_extract_lane(a2, 2); s2[k + 3] += wasm_f32x4_extract_lane(a2, 3);
    }
    for (; k < c; k++) {
      f32 a1 = 0, a2 = 0, mu = mean[k];
      const f32 *xp = x + (long)p0 * c + k, *gp = dy + (long)p0 * c + k;
      for (int p = p0; p < p1; p++, xp += c, gp += c) { a1 += *gp; a2 += (*xp - mu) * *gp; }
      s1[k] += a1;
      s2[k] += a2;
    }
  }
  for (int k = 0; k < c; k++) {
    double r = 1.0 / __builtin_sqrt((double)var[k] + eps);
    dbeta[k] = (f32)s1[k];
    dgamma[k] = (f32)(s2[k] * r);
    double a = gamma[k] * r;             /* dx = a dy + b x + cst */
    double bk = -a * r * r * s2[k] / m;
    ca[k] = (f32)a;
    cb[k] = (f32)bk;
    cc[k] = (f32)(-bk * mean[k] - a * s1[k] / m);
  }
  for (int p = 0; p < m; p++) {
    const f32 *xp = x + (long)p * c, *gp = dy + (long)p * c;
    f32 *dp = dx + (long)p * c;
    int k = 0;
    for (; k + 4 <= c; k += 4) {
      v128_t v = wasm_f32x4_add(wasm_f32x4_mul(wasm_v128_load(gp + k), wasm_v128_load(ca + k)),
                                wasm_f32x4_mul(wasm_v128_load(xp + k), wasm_v128_load(cb + k)));
      wasm_v128_store(dp + k, wasm_f32x4_add(v, wasm_v128_load(cc + k)));
    }
    for (; k < c; k++) dp[k] = gp[k] * ca[k] + xp[k] * cb[k] + cc[k];
  }
}

/* Column sums of x [m, c] (the bias gradient: Sum over all axes but the last). scratch: c doubles. */
EXPORT(sum_leading)
void sum_leading(const f32 *x, int m, int c, f32 *out, double *scratch) {
  for (int k = 0; k < c; k++) scratch[k] = 0.0;
  channel_sums(x, 0, 0, m, c, scratch);
  for (int k = 0; k < c; k++) out[k] = (f32)scratch[k];
}

static void zero(f32 *p, long count);

/* ---- Data movement and pooling --------------------------------------------------------- */

/* dst[r*dst_stride + i] = src[r*src_stride + i] for r < rows, i < len (4-byte elements). */
EXPORT(copy_rows)
void copy_rows(const f32 *src, int src_stride, f32 *dst, int dst_stride, int rows, int len) {
  for (int r = 0; r < rows; r++) {
    const f32 *s = src + (long)r * src_stride;
    f32 *d = dst + (long)r * dst_stride;
    int i = 0;
    for (; i + 4 <= len; i += 4) wasm_v128_store(d + i, wasm_v128_load(s + i));
    for (; i < len; i++) d[i] = s[i];
  }
}

/*
 * Gradient of max pooling, NHWC: each output's dy goes to the first (row-major in the
 * window) input position holding the window's maximum, as tfjs's cpu backend and PyTorch
 * choose; windows may overlap (contributions add). Taps outside the input are skipped.
 * x: [n, h, w, c]; dy: [n, oh, ow, c]; dx: [n, h, w, c], overwritten.
 */
EXPORT(maxpool_grad)
void maxpool_grad(const f32 *x, const f32 *dy, f32 *dx, int n, int h, int w, int c, int oh, int ow,
                  int kh, int kw, int sh, int sw, int pt, int pl) {
  long total = (long)n * h * w * c;
  zero(dx, total);
  if (kh == sh && kw == sw && pt == 0 && pl == 0 && c % 4 == 0 && oh * sh <= h && ow * sw <= w) {
    /* non-overlapping windows inside the input: 4 channels at a time, the first maximum's
       tap index kept per lane (strict >), then each tap gets dy where it was chosen */
    for (int b = 0; b < n; b++)
      for (int oy = 0; oy < oh; oy++)
        for (int ox = 0; ox < ow; ox++)
          for (int k = 0; k < c; k += 4) {
            const f32 *base = x + ((long)(b * h + oy * sh) * w + ox * sw) * c + k;
            v128_t best = wasm_v128_load(base), at = wasm_i32x4_splat(0);
            for (int t = 1; t < kh * kw; t++) {
              v128_t v = wasm_v128_load(base + ((long)(t / kw) * w + t % kw) * c);
              v128_t gt = wasm_f32x4_gt(v, best);
              best = wasm_v128_bitselect(v, best, gt);
              at = wasm_v128_bitselect(wasm_i32x4_splat(t), at, gt);
            }
            v128_t g = wasm_v128_load(dy + ((long)(b * oh + oy) * ow + ox) * c + k);
            f32 *dbase = dx + ((long)(b * h + oy * sh) * w + ox * sw) * c + k;
            for (int t = 0; t < kh * kw; t++)
              wasm_v128_store(dbase + ((long)(t / kw) * w + t % kw) * c, wasm_v128_and(g, wasm_i32x4_eq(at, wasm_i32x4_splat(t))));
          }
    return;
  }
  for (int b = 0; b < n; b++)
    for (int oy = 0; oy < oh; oy++)
      for (int ox = 0; ox < ow; ox++) {
        const f32 *g = dy + ((long)(b * oh + oy) * ow + ox) * c;
        for (int k = 0; k < c; k++) {
          f32 best = 0;
          long at = -1;
          for (int ky = 0; ky < kh; ky++) {
            int iy = oy * sh + ky - pt;
            if (iy < 0 || iy >= h) continue;
            for (int kx = 0; kx < kw; kx++) {
              int ix = ox * sw + kx - pl;
              if (ix < 0 || ix >= w) continue;
              long i = ((long)(b * h + iy) * w + ix) * c + k;
              if (at < 0 || x[i] > best) { best = x[i]; at = i; }
            }
          }
          if (at >= 0) dx[at] += g[k];
        }
      }
}

/* ---- Winograd F(2x2, 3x3) for 3x3 stride-1 convolutions ------------------------------
 * Lavin & Gray 2016, "Fast Algorithms for Convolutional Neural Networks", CVPR,
 * doi:10.1109/CVPR.2016.435. With the usual F(2,3) matrices
 *   B^T = [1 0 -1 0; 0 1 1 0; 0 -1 1 0; 0 1 0 -1],  G = [1 0 0; 1/2 1/2 1/2; 1/2 -1/2 1/2; 0 0 1],
 *   A^T = [1 1 1 0; 0 1 -1 -1],
 * a 2x2 output tile is Y = A^T [(G g G^T) . (B^T d B)] A for its 4x4 input window d; the 16
 * products become 16 GEMMs over tiles x channels (2.25x fewer multiplications than direct).
 * The filter gradient uses the adjoint: dg = G^T [sum_tiles (B^T d B) . (A dY A^T)] G.
 * Tiles are processed in blocks of `tb` so the transformed block stays in cache. Channels
 * must be multiples of 4 (the caller falls back to other kernels otherwise).
 */

/* u[k][c][o] = (G g_co G^T)[k] for the 3x3 filter g [3, 3, ci, co]; u is [16, ci, co]. */
EXPORT(wino_filter)
void wino_filter(const f32 *g, f32 *u, int ci, int co) {
  int cc = ci * co;
  for (int i = 0; i < cc; i++) {
    f32 w[3][3], t[4][3];
    for (int a = 0; a < 3; a++)
      for (int b = 0; b < 3; b++) w[a][b] = g[(a * 3 + b) * cc + i];
    for (int b = 0; b < 3; b++) {
      t[0][b] = w[0][b];
      t[1][b] = 0.5f * (w[0][b] + w[1][b] + w[2][b]);
      t[2][b] = 0.5f * (w[0][b] - w[1][b] + w[2][b]);
      t[3][b] = w[2][b];
    }
    for (int a = 0; a < 4; a++) {
      u[(a * 4 + 0) * cc + i] = t[a][0];
      u[(a * 4 + 1) * cc + i] = 0.5f * (t[a][0] + t[a][1] + t[a][2]);
      u[(a * 4 + 2) * cc + i] = 0.5f * (t[a][0] - t[a][1] + t[a][2]);
      u[(a * 4 + 3) * cc + i] = t[a][2];
    }
  }
}

/* v[k][j][c] (k < 16, j < tb) = (B^T d B)[k] for tile j's 4x4 window of x at (iy0, ix0), channels c..c+3. */
static void wino_input_tile(const f32 *x, int h, int w, int ci, int b, int iy0, int ix0, f32 *v, int j, int tb) {
  const v128_t z = wasm_f32x4_splat(0.0f);
  long plane = (long)tb * ci;
  for (int c = 0; c < ci; c += 4) {
    v128_t d[4][4];
    for (int r = 0; r < 4; r++) {
      int iy = iy0 + r;
      for (int s = 0; s < 4; s++) {
        int ix = ix0 + s;
        d[r][s] = (iy >= 0 && iy < h && ix >= 0 && ix < w) ? wasm_v128_load(x + ((long)(b * h + iy) * w + ix) * ci + c) : z;
      }
    }
    v128_t t[4][4];
    for (int s = 0; s < 4; s++) {
      t[0][s] = wasm_f32x4_sub(d[0][s], d[2][s]);
      t[1][s] = wasm_f32x4_add(d[1][s], d[2][s]);
      t[2][s] = wasm_f32x4_sub(d[2][s], d[1][s]);
      t[3][s] = wasm_f32x4_sub(d[1][s], d[3][s]);
    }
    f32 *o = v + (long)j * ci + c;
    for (int r = 0; r < 4; r++) {
      wasm_v128_store(o + (r * 4 + 0) * plane, wasm_f32x4_sub(t[r][0], t[r][2]));
      wasm_v128_store(o + (r * 4 + 1) * plane, wasm_f32x4_add(t[r][1], t[r][2]));
      wasm_v128_store(o + (r * 4 + 2) * plane, wasm_f32x4_sub(t[r][2], t[r][1]));
      wasm_v128_store(o + (r * 4 + 3) * plane, wasm_f32x4_sub(t[r][1], t[r][3]));
    }
  }
}

static void zero(f32 *p, long count) {
  long i = 0;
  v128_t z = wasm_f32x4_splat(0.0f);
  for (; i + 4 <= count; i += 4) wasm_v128_store(p + i, z);
  for (; i < count; i++) p[i] = 0.0f;
}

/*
 * y[n][oy][ox][o] = bias[o] + sum_{ky,kx,c} x[n][oy+ky-pt][ox+kx-pl][c] g[ky][kx][c][o]
 * (zero padding), with u = wino_filter(g). x: [n, h, w, ci]; y: [n, oh, ow, co]; bias may
 * be 0. scratch: 16 * tb * (ci + co) floats.
 */
EXPORT(wino_conv)
void wino_conv(const f32 *x, const f32 *u, const f32 *bias, f32 *y, int n, int h, int w, int ci, int oh, int ow, int co,
               int pt, int pl, f32 *scratch, int tb) {
  int th = (oh + 1) / 2, tw = (ow + 1) / 2;
  long tiles = (long)n * th * tw;
  f32 *v = scratch, *m = scratch + 16L * tb * ci;
  for (long t0 = 0; t0 < tiles; t0 += tb) {
    int cnt = tiles - t0 < tb ? (int)(tiles - t0) : tb;
    for (int j = 0; j < cnt; j++) {
      long t = t0 + j;
      int b = (int)(t / ((long)th * tw)), r = (int)(t % ((long)th * tw));
      wino_input_tile(x, h, w, ci, b, 2 * (r / tw) - pt, 2 * (r % tw) - pl, v, j, tb);
    }
    zero(m, 16L * tb * co);
    for (int k = 0; k < 16; k++)
      tap_accumulate(m + (long)k * tb * co, co, v + (long)k * tb * ci, ci, cnt, u + (long)k * ci * co, co, ci);
    long plane = (long)tb * co;
    for (int j = 0; j < cnt; j++) {
      long t = t0 + j;
      int b = (int)(t / ((long)th * tw)), r = (int)(t % ((long)th * tw));
      int oy0 = 2 * (r / tw), ox0 = 2 * (r % tw);
      for (int o = 0; o < co; o += 4) {
        const f32 *mp = m + (long)j * co + o;
        v128_t s[2][4];
        for (int q = 0; q < 4; q++) {
          v128_t m0 = wasm_v128_load(mp + (0 * 4 + q) * plane), m1 = wasm_v128_load(mp + (1 * 4 + q) * plane);
          v128_t m2 = wasm_v128_load(mp + (2 * 4 + q) * plane), m3 = wasm_v128_load(mp + (3 * 4 + q) * plane);
          s[0][q] = wasm_f32x4_add(wasm_f32x4_add(m0, m1), m2);
          s[1][q] = wasm_f32x4_sub(wasm_f32x4_sub(m1, m2), m3);
        }
        v128_t bv = bias ? wasm_v128_load(bias + o) : wasm_f32x4_splat(0.0f);
        for (int a = 0; a < 2; a++) {
          int oy = oy0 + a;
          if (oy >= oh) break;
          f32 *yp = y + ((long)(b * oh + oy) * ow + ox0) * co + o;
          wasm_v128_store(yp, wasm_f32x4_add(bv, wasm_f32x4_add(wasm_f32x4_add(s[a][0], s[a][1]), s[a][2])));
          if (ox0 + 1 < ow) wasm_v128_store(yp + co, wasm_f32x4_add(bv, wasm_f32x4_sub(wasm_f32x4_sub(s[a][1], s[a][2]), s[a][3])));
        }
      }
    }
  }
}

/*
 * Filter gradient of the 3x3 stride-1 convolution above:
 *   dw[ky][kx][c][o] = sum_{n,oy,ox} x[n][oy+ky-pt][ox+kx-pl][c] dy[n][oy][ox][o]
 * x: [n, h, w, ci]; dy: [n, oh, ow, co]; dw: [3, 3, ci, co], overwritten.
 * scratch: 16 * tb * (ci + co) + 16 * ci * co floats.
 */
EXPORT(wino_filter_grad)
void wino_filter_grad(const f32 *x, const f32 *dy, f32 *dw, int n, int h, int w, int ci, int oh, int ow, int co,
                      int pt, int pl, f32 *scratch, int tb) {
  int th = (oh + 1) / 2, tw = (ow + 1) / 2;
  long tiles = (long)n * th * tw;
  f32 *v = scratch, *e = scratch + 16L * tb * ci, *acc = e + 16L * tb * co;
  long cc = (long)ci * co, plane = (long)tb * co;
  zero(acc, 16 * cc);
  const v128_t z = wasm_f32x4_splat(0.0f);
  for (long t0 = 0; t0 < tiles; t0 += tb) {
    int cnt = tiles - t0 < tb ? (int)(tiles - t0) : tb;
    for (int j = 0; j < cnt; j++) {
      long t = t0 + j;
      int b = (int)(t / ((long)th * tw)), r = (int)(t % ((long)th * tw));
      int oy0 = 2 * (r / tw), ox0 = 2 * (r % tw);
      wino_input_tile(x, h, w, ci, b, oy0 - pt, ox0 - pl, v, j, tb);
      for (int o = 0; o < co; o += 4) {
        v128_t g[2][2];
        for (int a = 0; a < 2; a++)
          for (int q = 0; q < 2; q++) {
            int oy = oy0 + a, ox = ox0 + q;
            g[a][q] = (oy < oh && ox < ow) ? wasm_v128_load(dy + ((long)(b * oh + oy) * ow + ox) * co + o) : z;
          }
        /* rows of A g: (g0, g0+g1, g0-g1, -g1); then each row times A^T on the right */
        v128_t rws[4][2];
        for (int q = 0; q < 2; q++) {
          rws[0][q] = g[0][q];
          rws[1][q] = wasm_f32x4_add(g[0][q], g[1][q]);
          rws[2][q] = wasm_f32x4_sub(g[0][q], g[1][q]);
          rws[3][q] = wasm_f32x4_neg(g[1][q]);
        }
        f32 *ep = e + (long)j * co + o;
        for (int a = 0; a < 4; a++) {
          wasm_v128_store(ep + (a * 4 + 0) * plane, rws[a][0]);
          wasm_v128_store(ep + (a * 4 + 1) * plane, wasm_f32x4_add(rws[a][0], rws[a][1]));
          wasm_v128_store(ep + (a * 4 + 2) * plane, wasm_f32x4_sub(rws[a][0], rws[a][1]));
          wasm_v128_store(ep + (a * 4 + 3) * plane, wasm_f32x4_neg(rws[a][1]));
        }
      }
    }
    for (int k = 0; k < 16; k++)
      outer_accumulate(v + (long)k * tb * ci, ci, e + (long)k * plane, co, cnt, acc + k * cc, ci, co);
  }
  /* dw = G^T M G per (c, o), G^T = [1 1/2 1/2 0; 0 1/2 -1/2 0; 0 1/2 1/2 1] */
  for (long i = 0; i < cc; i++) {
    f32 mm[4][4], t[3][4];
    for (int k = 0; k < 16; k++) mm[k / 4][k % 4] = acc[k * cc + i];
    for (int q = 0; q < 4; q++) {
      t[0][q] = mm[0][q] + 0.5f * (mm[1][q] + mm[2][q]);
      t[1][q] = 0.5f * (mm[1][q] - mm[2][q]);
      t[2][q] = 0.5f * (mm[1][q] + mm[2][q]) + mm[3][q];
    }
    for (int a = 0; a < 3; a++) {
      dw[(a * 3 + 0) * cc + i] = t[a][0] + 0.5f * (t[a][1] + t[a][2]);
      dw[(a * 3 + 1) * cc + i] = 0.5f * (t[a][1] - t[a][2]);
      dw[(a * 3 + 2) * cc + i] = 0.5f * (t[a][1] + t[a][2]) + t[a][3];
    }
  }
}

/* ---- Winograd F(4x4, 3x3) forward (Lavin & Gray 2016) ----------------------------------
 *   B^T = [4 0 -5 0 1 0; 0 -4 -4 1 1 0; 0 4 -4 -1 1 0; 0 -2 -1 2 1 0; 0 2 -1 -2 1 0; 0 4 0 -5 0 1]
 *   G   = [1/4 0 0; -1/6 -1/6 -1/6; -1/6 1/6 -1/6; 1/24 1/12 1/6; 1/24 -1/12 1/6; 0 0 1]
 *   A^T = [1 1 1 1 1 0; 0 1 -1 2 -2 0; 0 1 1 4 4 0; 0 1 -1 8 -8 1]
 * 36 products per 4x4 output tile (4x fewer multiplications than direct, 1.78x fewer than
 * F(2x2, 3x3)) at the cost of larger transforms and more rounding error than F(2,3).
 * Intermediate transform results go through the (heap) scratch block, not local arrays, so
 * nothing lands on a shadow stack.
 */

/* Six scalars through G (3 -> 6). */
#define G6(g0, g1, g2, o, stride)                                   \
  do {                                                              \
    (o)[0 * (stride)] = (g0) * 0.25f;                               \
    (o)[1 * (stride)] = -((g0) + (g1) + (g2)) / 6.0f;               \
    (o)[2 * (stride)] = -((g0) - (g1) + (g2)) / 6.0f;               \
    (o)[3 * (stride)] = (g0) / 24.0f + (g1) / 12.0f + (g2) / 6.0f;  \
    (o)[4 * (stride)] = (g0) / 24.0f - (g1) / 12.0f + (g2) / 6.0f;  \
    (o)[5 * (stride)] = (g2);                                       \
  } while (0)

/*
 * u[k][c][o] = (G g G^T)[k], k < 36; u is [36, ci, co]. The first pass (columns) writes
 * G g into u's rows a*6 + b for b < 3, the second (rows) finishes in place.
 */
EXPORT(wino4_filter)
void wino4_filter(const f32 *g, f32 *u, int ci, int co) {
  long cc = (long)ci * co;
  for (long i = 0; i < cc; i++) {
    for (int b = 0; b < 3; b++) G6(g[(0 * 3 + b) * cc + i], g[(1 * 3 + b) * cc + i], g[(2 * 3 + b) * cc + i], u + b * cc + i, 6 * cc);
    for (int a = 0; a < 6; a++) {
      f32 *row = u + a * 6 * cc + i;
      f32 g0 = row[0], g1 = row[cc], g2 = row[2 * cc];
      G6(g0, g1, g2, row, cc);
    }
  }
}

/* (o0..o5) = B^T (d0..d5) for vectors. */
#define BT6(d0, d1, d2, d3, d4, d5, o0, o1, o2, o3, o4, o5)                                             \
  do {                                                                                                  \
    v128_t four_ = wasm_f32x4_splat(4.0f), five_ = wasm_f32x4_splat(5.0f), two_ = wasm_f32x4_splat(2.0f); \
    v128_t e0_ = (d0), e1_ = (d1), e2_ = (d2), e3_ = (d3), e4_ = (d4), e5_ = (d5);                       \
    v128_t s_ = wasm_f32x4_sub(e4_, e2_), t_ = wasm_f32x4_mul(two_, wasm_f32x4_sub(e3_, e1_));          \
    o0 = wasm_f32x4_add(wasm_f32x4_sub(wasm_f32x4_mul(four_, e0_), wasm_f32x4_mul(five_, e2_)), e4_);  \
    o1 = wasm_f32x4_sub(wasm_f32x4_add(e3_, e4_), wasm_f32x4_mul(four_, wasm_f32x4_add(e1_, e2_)));    \
    o2 = wasm_f32x4_add(wasm_f32x4_sub(e4_, e3_), wasm_f32x4_mul(four_, wasm_f32x4_sub(e1_, e2_)));    \
    o3 = wasm_f32x4_add(s_, t_);                                                                        \
    o4 = wasm_f32x4_sub(s_, t_);                                                                        \
    o5 = wasm_f32x4_add(wasm_f32x4_sub(wasm_f32x4_mul(four_, e1_), wasm_f32x4_mul(five_, e3_)), e5_);  \
  } while (0)

static inline v128_t load_or_zero(const f32 *x, int h, int w, int ci, int b, int iy, int ix, int c) {
  return (iy >= 0 && iy < h && ix >= 0 && ix < w) ? wasm_v128_load(x + ((long)(b * h + iy) * w + ix) * ci + c) : wasm_f32x4_splat(0.0f);
}

/* v[k][j][c..c+3] = (B^T d B)[k] for tile j's 6x6 window at (iy0, ix0): columns, then rows in place. */
static void wino4_input_tile(const f32 *x, int h, int w, int ci, int b, int iy0, int ix0, f32 *v, int j, int tb) {
  long plane = (long)tb * ci;
  for (int c = 0; c < ci; c += 4) {
    f32 *o = v + (long)j * ci + c;
    for (int s = 0; s < 6; s++) {
      v128_t r0, r1, r2, r3, r4, r5;
      int ix = ix0 + s;
      BT6(load_or_zero(x, h, w, ci, b, iy0, ix, c), load_or_zero(x, h, w, ci, b, iy0 + 1, ix, c),
          load_or_zero(x, h, w, ci, b, iy0 + 2, ix, c), load_or_zero(x, h, w, ci, b, iy0 + 3, ix, c),
          load_or_zero(x, h, w, ci, b, iy0 + 4, ix, c), load_or_zero(x, h, w, ci, b, iy0 + 5, ix, c),
          r0, r1, r2, r3, r4, r5);
      wasm_v128_store(o + (0 * 6 + s) * plane, r0);
      wasm_v128_store(o + (1 * 6 + s) * plane, r1);
      wasm_v128_store(o + (2 * 6 + s) * plane, r2);
      wasm_v128_store(o + (3 * 6 + s) * plane, r3);
      wasm_v128_store(o + (4 * 6 + s) * plane, r4);
      wasm_v128_store(o + (5 * 6 + s) * plane, r5);
    }
    for (int r = 0; r < 6; r++) {
      f32 *row = o + r * 6 * plane;
      v128_t r0, r1, r2, r3, r4, r5;
      BT6(wasm_v128_load(row), wasm_v128_load(row + plane), wasm_v128_load(row + 2 * plane), wasm_v128_load(row + 3 * plane),
          wasm_v128_load(row + 4 * plane), wasm_v128_load(row + 5 * plane), r0, r1, r2, r3, r4, r5);
      wasm_v128_store(row, r0);
      wasm_v128_store(row + plane, r1);
      wasm_v128_store(row + 2 * plane, r2);
      wasm_v128_store(row + 3 * plane, r3);
      wasm_v128_store(row + 4 * plane, r4);
      wasm_v128_store(row + 5 * plane, r5);
    }
  }
}

/* (o0..o3) = A^T (m0..m5) for vectors. */
#define AT6(m0, m1, m2, m3, m4, m5, o0, o1, o2, o3)                                    \
  do {                                                                                 \
    v128_t n0_ = (m0), n1_ = (m1), n2_ = (m2), n3_ = (m3), n4_ = (m4), n5_ = (m5);     \
    v128_t a_ = wasm_f32x4_add(n1_, n2_), b_ = wasm_f32x4_sub(n1_, n2_);               \
    v128_t c_ = wasm_f32x4_add(n3_, n4_), d_ = wasm_f32x4_sub(n3_, n4_);               \
    o0 = wasm_f32x4_add(wasm_f32x4_add(n0_, a_), c_);                                  \
    o1 = wasm_f32x4_add(b_, wasm_f32x4_mul(wasm_f32x4_splat(2.0f), d_));               \
    o2 = wasm_f32x4_add(a_, wasm_f32x4_mul(wasm_f32x4_splat(4.0f), c_));               \
    o3 = wasm_f32x4_add(wasm_f32x4_add(b_, wasm_f32x4_mul(wasm_f32x4_splat(8.0f), d_)), n5_); \
  } while (0)

/* As wino_conv, with F(4x4, 3x3) and u = wino4_filter(g). scratch: 36 * tb * (ci + co) floats. */
EXPORT(wino4_conv)
void wino4_conv(const f32 *x, const f32 *u, const f32 *bias, f32 *y, int n, int h, int w, int ci, int oh, int ow, int co,
                int pt, int pl, f32 *scratch, int tb) {
  int th = (oh + 3) / 4, tw = (ow + 3) / 4;
  long tiles = (long)n * th * tw;
  f32 *v = scratch, *m = scratch + 36L * tb * ci;
  for (long t0 = 0; t0 < tiles; t0 += tb) {
    int cnt = tiles - t0 < tb ? (int)(tiles - t0) : tb;
    for (int j = 0; j < cnt; j++) {
      long t = t0 + j;
      int b = (int)(t / ((long)th * tw)), r = (int)(t % ((long)th * tw));
      wino4_input_tile(x, h, w, ci, b, 4 * (r / tw) - pt, 4 * (r % tw) - pl, v, j, tb);
    }
    zero(m, 36L * tb * co);
    for (int k = 0; k < 36; k++)
      tap_accumulate(m + (long)k * tb * co, co, v + (long)k * tb * ci, ci, cnt, u + (long)k * ci * co, co, ci);
    long plane = (long)tb * co;
    for (int j = 0; j < cnt; j++) {
      long t = t0 + j;
      int b = (int)(t / ((long)th * tw)), r = (int)(t % ((long)th * tw));
      int oy0 = 4 * (r / tw), ox0 = 4 * (r % tw);
      for (int o = 0; o < co; o += 4) {
        f32 *mp = m + (long)j * co + o;
        /* columns q: A^T over the 6 rows, results back into rows 0..3 */
        for (int q = 0; q < 6; q++) {
          v128_t o0, o1, o2, o3;
          AT6(wasm_v128_load(mp + (0 * 6 + q) * plane), wasm_v128_load(mp + (1 * 6 + q) * plane),
              wasm_v128_load(mp + (2 * 6 + q) * plane), wasm_v128_load(mp + (3 * 6 + q) * plane),
              wasm_v128_load(mp + (4 * 6 + q) * plane), wasm_v128_load(mp + (5 * 6 + q) * plane), o0, o1, o2, o3);
          wasm_v128_store(mp + (0 * 6 + q) * plane, o0);
          wasm_v128_store(mp + (1 * 6 + q) * plane, o1);
          wasm_v128_store(mp + (2 * 6 + q) * plane, o2);
          wasm_v128_store(mp + (3 * 6 + q) * plane, o3);
        }
        v128_t bv = bias ? wasm_v128_load(bias + o) : wasm_f32x4_splat(0.0f);
        for (int a = 0; a < 4; a++) {
          int oy = oy0 + a;
          if (oy >= oh) break;
          const f32 *row = mp + a * 6 * plane;
          v128_t o0, o1, o2, o3;
          AT6(wasm_v128_load(row), wasm_v128_load(row + plane), wasm_v128_load(row + 2 * plane), wasm_v128_load(row + 3 * plane),
              wasm_v128_load(row + 4 * plane), wasm_v128_load(row + 5 * plane), o0, o1, o2, o3);
          f32 *yp = y + ((long)(b * oh + oy) * ow + ox0) * co + o;
          wasm_v128_store(yp, wasm_f32x4_add(bv, o0));
          if (ox0 + 1 < ow) wasm_v128_store(yp + co, wasm_f32x4_add(bv, o1));
          if (ox0 + 2 < ow) wasm_v128_store(yp + 2 * co, wasm_f32x4_add(bv, o2));
          if (ox0 + 3 < ow) wasm_v128_store(yp + 3 * co, wasm_f32x4_add(bv, o3));
        }
      }
    }
  }
}

/* (o0..o5) = A (y0..y3), A = (A^T)^T of F(4x4, 3x3), for vectors. */
#define A6(y0, y1, y2, y3, o0, o1, o2, o3, o4, o5)                                            \
  do {                                                                                        \
    v128_t k0_ = (y0), k1_ = (y1), k2_ = (y2), k3_ = (y3);                                    \
    v128_t ev_ = wasm_f32x4_add(k0_, k2_), od_ = wasm_f32x4_add(k1_, k3_);                    \
    v128_t e4_ = wasm_f32x4_add(k0_, wasm_f32x4_mul(wasm_f32x4_splat(4.0f), k2_));            \
    v128_t o4_ = wasm_f32x4_add(wasm_f32x4_mul(wasm_f32x4_splat(2.0f), k1_), wasm_f32x4_mul(wasm_f32x4_splat(8.0f), k3_)); \
    o0 = k0_;                                                                                 \
    o1 = wasm_f32x4_add(ev_, od_);                                                            \
    o2 = wasm_f32x4_sub(ev_, od_);                                                            \
    o3 = wasm_f32x4_add(e4_, o4_);                                                            \
    o4 = wasm_f32x4_sub(e4_, o4_);                                                            \
    o5 = k3_;                                                                                 \
  } while (0)

/* Three scalars of G^T m for six scalars. */
#define GT6(m0, m1, m2, m3, m4, m5, o, stride)                                          \
  do {                                                                                  \
    f32 s12_ = (m1) + (m2), d12_ = (m2) - (m1), s34_ = (m3) + (m4), d34_ = (m3) - (m4); \
    (o)[0] = (m0) * 0.25f - s12_ / 6.0f + s34_ / 24.0f;                                 \
    (o)[(stride)] = d12_ / 6.0f + d34_ / 12.0f;                                         \
    (o)[2 * (stride)] = -s12_ / 6.0f + s34_ / 6.0f + (m5);                              \
  } while (0)

/*
 * As wino_filter_grad, with F(4x4, 3x3): dw = G^T [sum_tiles (B^T d B) . (A dY A^T)] G.
 * scratch: 36 * tb * (ci + co) + 36 * ci * co floats.
 */
EXPORT(wino4_filter_grad)
void wino4_filter_grad(const f32 *x, const f32 *dy, f32 *dw, int n, int h, int w, int ci, int oh, int ow, int co,
                       int pt, int pl, f32 *scratch, int tb) {
  int th = (oh + 3) / 4, tw = (ow + 3) / 4;
  long tiles = (long)n * th * tw;
  f32 *v = scratch, *e = scratch + 36L * tb * ci, *acc = e + 36L * tb * co;
  long cc = (long)ci * co, plane = (long)tb * co;
  zero(acc, 36 * cc);
  for (long t0 = 0; t0 < tiles; t0 += tb) {
    int cnt = tiles - t0 < tb ? (int)(tiles - t0) : tb;
    for (int j = 0; j < cnt; j++) {
      long t = t0 + j;
      int b = (int)(t / ((long)th * tw)), r = (int)(t % ((long)th * tw));
      int oy0 = 4 * (r / tw), ox0 = 4 * (r % tw);
      wino4_input_tile(x, h, w, ci, b, oy0 - pt, ox0 - pl, v, j, tb);
      for (int o = 0; o < co; o += 4) {
        f32 *ep = e + (long)j * co + o;
        for (int q = 0; q < 4; q++) {
          int ox = ox0 + q;
          v128_t r0, r1, r2, r3, r4, r5;
          A6(load_or_zero(dy, oh, ow, co, b, oy0, ox, o), load_or_zero(dy, oh, ow, co, b, oy0 + 1, ox, o),
             load_or_zero(dy, oh, ow, co, b, oy0 + 2, ox, o), load_or_zero(dy, oh, ow, co, b, oy0 + 3, ox, o),
             r0, r1, r2, r3, r4, r5);
          wasm_v128_store(ep + (0 * 6 + q) * plane, r0);
          wasm_v128_store(ep + (1 * 6 + q) * plane, r1);
          wasm_v128_store(ep + (2 * 6 + q) * plane, r2);
          wasm_v128_store(ep + (3 * 6 + q) * plane, r3);
          wasm_v128_store(ep + (4 * 6 + q) * plane, r4);
          wasm_v128_store(ep + (5 * 6 + q) * plane, r5);
        }
        for (int a = 0; a < 6; a++) {
          f32 *row = ep + a * 6 * plane;
          v128_t r0, r1, r2, r3, r4, r5;
          A6(wasm_v128_load(row), wasm_v128_load(row + plane), wasm_v128_load(row + 2 * plane), wasm_v128_load(row + 3 * plane),
             r0, r1, r2, r3, r4, r5);
          wasm_v128_store(row, r0);
          wasm_v128_store(row + plane, r1);
          wasm_v128_store(row + 2 * plane, r2);
          wasm_v128_store(row + 3 * plane, r3);
          wasm_v128_store(row + 4 * plane, r4);
          wasm_v128_store(row + 5 * plane, r5);
        }
      }
    }
    for (int k = 0; k < 36; k++)
      outer_accumulate(v + (long)k * tb * ci, ci, e + (long)k * plane, co, cnt, acc + k * cc, ci, co);
  }
  /* G^T M G per (c, o): columns into rows 0..2 of acc, then rows into dw */
  for (long i = 0; i < cc; i++) {
    f32 *m = acc + i;
    for (int q = 0; q < 6; q++) {
      f32 m0 = m[(0 * 6 + q) * cc], m1 = m[(1 * 6 + q) * cc], m2 = m[(2 * 6 + q) * cc];
      f32 m3 = m[(3 * 6 + q) * cc], m4 = m[(4 * 6 + q) * cc], m5 = m[(5 * 6 + q) * cc];
      GT6(m0, m1, m2, m3, m4, m5, m + q * cc, 6 * cc);
    }
    for (int a = 0; a < 3; a++) {
      f32 *row = m + a * 6 * cc;
      GT6(row[0], row[cc], row[2 * cc], row[3 * cc], row[4 * cc], row[5 * cc], dw + a * 3 * cc + i, cc);
    }
  }
}

/* ---- Elementwise (the ReLU and its gradient) ------------------------------------------- */

/* y = x <= 0 ? +0 : x (NaN stays NaN and -0 becomes +0, as tfjs's cpu Relu). */
EXPORT(relu)
void relu(const f32 *x, f32 *y, long count) {
  long i = 0;
  v128_t z = wasm_f32x4_splat(0.0f);
  for (; i + 4 <= count; i += 4) {
    v128_t v = wasm_v128_load(x + i);
    wasm_v128_store(y + i, wasm_v128_andnot(v, wasm_f32x4_le(v, z)));
  }
  for (; i < count; i++) y[i] = x[i] <= 0 ? 0.0f : x[i];
}

/* y = x > 0 ? 1 : alpha, NaN stays NaN (tfjs's Step). */
EXPORT(step)
void step(const f32 *x, f32 *y, long count, f32 alpha) {
  long i = 0;
  v128_t one = wasm_f32x4_splat(1.0f), al = wasm_f32x4_splat(alpha);
  for (; i + 4 <= count; i += 4) {
    v128_t v = wasm_v128_load(x + i);
    v128_t r = wasm_v128_bitselect(one, al, wasm_f32x4_gt(v, wasm_f32x4_splat(0.0f)));
    wasm_v128_store(y + i, wasm_v128_bitselect(r, v, wasm_f32x4_eq(v, v)));
  }
  for (; i < count; i++) y[i] = x[i] != x[i] ? x[i] : (x[i] > 0 ? 1.0f : alpha);
}

/* y = a * b, same length. */
EXPORT(mul_same)
void mul_same(const f32 *a, const f32 *b, f32 *y, long count) {
  long i = 0;
  for (; i + 4 <= count; i += 4) wasm_v128_store(y + i, wasm_f32x4_mul(wasm_v128_load(a + i), wasm_v128_load(b + i)));
  for (; i < count; i++) y[i] = a[i] * b[i];
}
