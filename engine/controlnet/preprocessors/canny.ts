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
  const at = (x: number, y: number) => channel[Math.min(height - 1, Math.max(0, y)) * width + Math.min(width - 1, Math.max(0, x))];
  const dx = new Int32Array(width * height);
  const dy = new Int32Array(width * height);
  const mag = new Int32Array((width + 2) * (height + 2));
  const magAt = (x: number, y: number) => mag[(y + 1) * (width + 2) + x + 1];
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const gx = at(x + 1, y - 1) - at(x - 1, y - 1) + 2 * (at(x + 1, y) - at(x - 1, y)) + at(x + 1, y + 1) - at(x - 1, y + 1);
      const gy = at(x - 1, y + 1) - at(x - 1, y - 1) + 2 * (at(x, y + 1) - at(x, y - 1)) + at(x + 1, y + 1) - at(x + 1, y - 1);
      const i = y * width + x;
      dx[i] = gx;
      dy[i] = gy;
      mag[(y + 1) * (width + 2) + x + 1] = Math.abs(gx) + Math.abs(gy);
    }
  }
  // 0: not an edge, 1: weak candidate, 2: edge.
  const state = new Uint8Array(width * height);
  const stack: number[] = [];
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      const m = magAt(x, y);
      if (m <= low) continue;
      const ax = Math.abs(dx[i]);
      const ay = Math.abs(dy[i]);
      let isMaximum: boolean;
      if (ay < ax * TAN_22_5) isMaximum = m > magAt(x - 1, y) && m >= magAt(x + 1, y);
      else if (ay > ax * TAN_67_5) isMaximum = m > magAt(x, y - 1) && m >= magAt(x, y + 1);
      else {
        const s = (dx[i] < 0) !== (dy[i] < 0) ? -1 : 1;
        isMaximum = m > magAt(x - s, y - 1) && m > magAt(x + s, y + 1);
      }
      if (!isMaximum) continue;
      if (m > high) {
        state[i] = 2;
        stack.push(i);
      } else state[i] = 1;
    }
  }
  while (stack.length > 0) {
    const i = stack.pop()!;
    const x = i % width;
    const y = (i - x) / width;
    for (let ny = Math.max(0, y - 1); ny <= Math.min(height - 1, y + 1); ny++) {
      for (let nx = Math.max(0, x - 1); nx <= Math.min(width - 1, x + 1); nx++) {
        const j = ny * width + nx;
        if (state[j] === 1) {
          state[j] = 2;
          stack.push(j);
        }
      }
    }
  }
  return state.map((s) => (s === 2 ? 255 : 0));
}
