/**
 * `cv2.Canny(x, low, high)` on one 8-bit channel as Fooocus calls it (aperture 3, L1 gradient;
 * fooocus-semantics.md §8.1), written from OpenCV's documented algorithm (Apache-2.0 library):
 * 3×3 Sobel with replicated borders, |dx| + |dy|, non-maximum suppression along the gradient
 * direction quantised with tan 22.5°/67.5° (strict > towards one neighbour and ≥ towards the
 * other, as OpenCV, so a plateau keeps exactly one side), then hysteresis: pixels above `high`
 * seed edges that grow through 8-connected pixels above `low`. Returns 0/255 per pixel.
 */

const TAN_22_5 = Math.tan(Math.PI / 8);
const TAN_67_5 = Math.tan((3 * Math.PI) / 8);

export function canny(channel: Uint8Array, width: number, height: number, low: number, high: number): Uint8Array {
  // The channel with a one-pixel replicated border, so the Sobel taps need no bounds checks.
  const pw = width + 2;
  const padded = new Int32Array(pw * (height + 2));
  for (let y = -1; y <= height; y++) {
    const sy = Math.min(height - 1, Math.max(0, y));
    for (let x = -1; x <= width; x++)
      padded[(y + 1) * pw + x + 1] = channel[sy * width + Math.min(width - 1, Math.max(0, x))];
  }
  const dx = new Int32Array(width * height);
  const dy = new Int32Array(width * height);
  // Magnitudes with a zero border (OpenCV's), read by the non-maximum suppression.
  const mag = new Int32Array(pw * (height + 2));
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const c = (y + 1) * pw + x + 1;
      const gx =
        padded[c - pw + 1] -
        padded[c - pw - 1] +
        2 * (padded[c + 1] - padded[c - 1]) +
        padded[c + pw + 1] -
        padded[c + pw - 1];
      const gy =
        padded[c + pw - 1] -
        padded[c - pw - 1] +
        2 * (padded[c + pw] - padded[c - pw]) +
        padded[c + pw + 1] -
        padded[c - pw + 1];
      const i = y * width + x;
      dx[i] = gx;
      dy[i] = gy;
      mag[c] = Math.abs(gx) + Math.abs(gy);
    }
  }
  // 0: not an edge, 1: weak candidate, 2: edge.
  const state = new Uint8Array(width * height);
  const stack = new Int32Array(width * height);
  let top = 0;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const c = (y + 1) * pw + x + 1;
      const m = mag[c];
      if (m <= low) continue;
      const i = y * width + x;
      const ax = Math.abs(dx[i]);
      const ay = Math.abs(dy[i]);
      let isMaximum: boolean;
      if (ay < ax * TAN_22_5) isMaximum = m > mag[c - 1] && m >= mag[c + 1];
      else if (ay > ax * TAN_67_5) isMaximum = m > mag[c - pw] && m >= mag[c + pw];
      else {
        const s = dx[i] < 0 !== dy[i] < 0 ? -1 : 1;
        isMaximum = m > mag[c - pw - s] && m > mag[c + pw + s];
      }
      if (!isMaximum) continue;
      if (m > high) {
        state[i] = 2;
        stack[top++] = i;
      } else state[i] = 1;
    }
  }
  while (top > 0) {
    const i = stack[--top];
    const x = i % width;
    const y = (i - x) / width;
    for (let ny = Math.max(0, y - 1); ny <= Math.min(height - 1, y + 1); ny++) {
      for (let nx = Math.max(0, x - 1); nx <= Math.min(width - 1, x + 1); nx++) {
        const j = ny * width + nx;
        if (state[j] === 1) {
          state[j] = 2;
          stack[top++] = j;
        }
      }
    }
  }
  for (let i = 0; i < state.length; i++) state[i] = state[i] === 2 ? 255 : 0;
  return state;
}
