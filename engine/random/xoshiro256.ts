/**
 * xoshiro256** (Blackman & Vigna 2018) on 32-bit halves, so drawing needs no BigInt: each 64-bit
 * state word is kept as (hi, lo) uint32 in a Uint32Array. Seeded from SplitMix64 as its authors
 * recommend.
 */
import { createSplitMix64 } from './splitmix64.ts';

const TWO_POW_32 = 4294967296;
const TWO_POW_NEG_53 = 1 / 9007199254740992;

export class Xoshiro256StarStar {
  /** [s0hi, s0lo, s1hi, s1lo, s2hi, s2lo, s3hi, s3lo] */
  private readonly s = new Uint32Array(8);
  private outHi = 0;
  private outLo = 0;

  constructor(seed: bigint) {
    const seeder = createSplitMix64(seed);
    for (let i = 0; i < 4; i++) {
      const word = seeder.next();
      this.s[2 * i] = Number(word >> 32n);
      this.s[2 * i + 1] = Number(word & 0xffffffffn);
    }
  }

  /** Next 64-bit output as a BigInt (for tests and seeding other streams; slow). */
  nextUint64(): bigint {
    this.step();
    return (BigInt(this.outHi) << 32n) | BigInt(this.outLo);
  }

  /** The top 53 bits of the next output, as an integer in [0, 2^53). */
  nextUint53(): number {
    this.step();
    return (this.outHi >>> 0) * 2097152 + (this.outLo >>> 11);
  }

  /** Uniform double in [0, 1): nextUint53() / 2^53. */
  nextDouble(): number {
    return this.nextUint53() * TWO_POW_NEG_53;
  }

  /**
   * Fills `out` with the next out.length values of nextUint53(), keeping the state in locals: the
   * same sequence as calling nextUint53() repeatedly, about 3× faster for latent-sized batches.
   */
  fillUint53(out: Float64Array): Float64Array {
    const s = this.s;
    let s0h = s[0],
      s0l = s[1],
      s1h = s[2],
      s1l = s[3],
      s2h = s[4],
      s2l = s[5],
      s3h = s[6],
      s3l = s[7];
    for (let i = 0; i < out.length; i++) {
      let lo = (s1l >>> 0) * 5;
      let ml = lo >>> 0;
      let mh = (Math.imul(s1h, 5) + ((lo / TWO_POW_32) | 0)) >>> 0;
      const rh = (mh << 7) | (ml >>> 25);
      const rl = (ml << 7) | (mh >>> 25);
      lo = (rl >>> 0) * 9;
      ml = lo >>> 0;
      mh = (Math.imul(rh, 9) + ((lo / TWO_POW_32) | 0)) >>> 0;
      out[i] = mh * 2097152 + (ml >>> 11);

      const th = (s1h << 17) | (s1l >>> 15);
      const tl = s1l << 17;
      s2h ^= s0h;
      s2l ^= s0l;
      s3h ^= s1h;
      s3l ^= s1l;
      s1h ^= s2h;
      s1l ^= s2l;
      s0h ^= s3h;
      s0l ^= s3l;
      s2h ^= th;
      s2l ^= tl;
      const r3h = (s3l << 13) | (s3h >>> 19);
      s3l = (s3h << 13) | (s3l >>> 19);
      s3h = r3h;
    }
    s[0] = s0h;
    s[1] = s0l;
    s[2] = s1h;
    s[3] = s1l;
    s[4] = s2h;
    s[5] = s2l;
    s[6] = s3h;
    s[7] = s3l;
    return out;
  }

  /** Advances the state; leaves the output word in outHi/outLo. */
  private step(): void {
    const s = this.s;
    const s0h = s[0],
      s0l = s[1],
      s1h = s[2],
      s1l = s[3];
    // result = rotl(s1 * 5, 7) * 9, each 64-bit multiply split into low-word product + carry.
    let lo = s1l * 5;
    let ml = lo >>> 0;
    let mh = (Math.imul(s1h, 5) + Math.floor(lo / TWO_POW_32)) >>> 0;
    const rh = ((mh << 7) | (ml >>> 25)) >>> 0;
    const rl = ((ml << 7) | (mh >>> 25)) >>> 0;
    lo = rl * 9;
    ml = lo >>> 0;
    mh = (Math.imul(rh, 9) + Math.floor(lo / TWO_POW_32)) >>> 0;
    this.outHi = mh;
    this.outLo = ml;

    // t = s1 << 17
    const th = (s1h << 17) | (s1l >>> 15);
    const tl = s1l << 17;
    const s2h = s[4] ^ s0h,
      s2l = s[5] ^ s0l; // s2 ^= s0
    const s3h = s[6] ^ s1h,
      s3l = s[7] ^ s1l; // s3 ^= s1
    s[2] = s1h ^ s2h;
    s[3] = s1l ^ s2l; // s1 ^= s2
    s[0] = s0h ^ s3h;
    s[1] = s0l ^ s3l; // s0 ^= s3
    s[4] = s2h ^ th;
    s[5] = s2l ^ tl; // s2 ^= t
    // s3 = rotl(s3, 45) = swap halves (rotl 32), then rotl 13.
    s[6] = (s3l << 13) | (s3h >>> 19);
    s[7] = (s3h << 13) | (s3l >>> 19);
  }
}
