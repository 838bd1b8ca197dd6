/**
 * sRGB ↔ CIE L*a*b* (D65) as OpenCV's `COLOR_BGR2Lab` / `COLOR_Lab2BGR` compute it: sRGB gamma,
 * OpenCV's XYZ matrices, white point (0.950456, 1, 1.088754). Float values: r, g, b in 0..1,
 * L in 0..100. OpenCV's 8-bit variants store L·255/100 and a + 128, b + 128 (lab8 helpers).
 */

function toLinear(v: number): number {
  return v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
}

function fromLinear(v: number): number {
  return v <= 0.0031308 ? 12.92 * v : 1.055 * v ** (1 / 2.4) - 0.055;
}

const THRESHOLD = 0.008856;

function f(t: number): number {
  return t > THRESHOLD ? Math.cbrt(t) : 7.787 * t + 16 / 116;
}

export function rgbToLab(r: number, g: number, b: number): [number, number, number] {
  const R = toLinear(r);
  const G = toLinear(g);
  const B = toLinear(b);
  const X = (0.412453 * R + 0.35758 * G + 0.180423 * B) / 0.950456;
  const Y = 0.212671 * R + 0.71516 * G + 0.072169 * B;
  const Z = (0.019334 * R + 0.119193 * G + 0.950227 * B) / 1.088754;
  const L = Y > THRESHOLD ? 116 * Math.cbrt(Y) - 16 : 903.3 * Y;
  return [L, 500 * (f(X) - f(Y)), 200 * (f(Y) - f(Z))];
}

function finv(t: number): number {
  return t > 6 / 29 ? t * t * t : (t - 16 / 116) / 7.787;
}

export function labToRgb(L: number, a: number, b: number): [number, number, number] {
  const Y = L <= 8 ? L / 903.3 : ((L + 16) / 116) ** 3;
  const fy = L <= 8 ? 7.787 * Y + 16 / 116 : (L + 16) / 116;
  const X = finv(a / 500 + fy) * 0.950456;
  const Z = finv(fy - b / 200) * 1.088754;
  const R = 3.240479 * X - 1.53715 * Y - 0.498535 * Z;
  const G = -0.969256 * X + 1.875991 * Y + 0.041556 * Z;
  const B = 0.055648 * X - 0.204043 * Y + 1.057311 * Z;
  const clip = (v: number) => Math.min(1, Math.max(0, fromLinear(v)));
  return [clip(R), clip(G), clip(B)];
}

const byte = (v: number) => Math.min(255, Math.max(0, Math.round(v)));

/** 8-bit RGB → OpenCV's 8-bit Lab (L·255/100, a + 128, b + 128). */
export function rgbToLab8(r: number, g: number, b: number): [number, number, number] {
  const [L, A, B] = rgbToLab(r / 255, g / 255, b / 255);
  return [byte((L * 255) / 100), byte(A + 128), byte(B + 128)];
}

/** OpenCV's 8-bit Lab → 8-bit RGB. */
export function lab8ToRgb(L: number, a: number, b: number): [number, number, number] {
  const [r, g, bl] = labToRgb((L * 100) / 255, a - 128, b - 128);
  return [byte(r * 255), byte(g * 255), byte(bl * 255)];
}
