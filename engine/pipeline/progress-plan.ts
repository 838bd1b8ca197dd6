/**
 * Fooocus's progress numbers for a text-to-image run (fooocus-semantics.md §13): preparation ends
 * at P = 5 (6 when Fooocus V2 ran: its "Preparing Fooocus text" step shifts the rest by one), then
 * each sampling step adds δ = (100 − P)/(steps·n); values are truncated to integers as Fooocus does.
 */

export const PREPARATION_DONE = 5;

export class ProgressPlan {
  private readonly delta: number;
  private readonly prepared: number;

  constructor(
    private readonly steps: number,
    private readonly images: number,
    hasExpansion = false,
  ) {
    this.prepared = PREPARATION_DONE + (hasExpansion ? 1 : 0);
    this.delta = (100 - this.prepared) / (steps * images);
  }

  private start(image: number): number {
    return image === 0 ? this.prepared : Math.trunc(this.prepared + this.delta * this.steps * image);
  }

  /** Value of "Preparing task i/n" (same as where the previous image ended). */
  preparing(image: number): number {
    return this.start(image);
  }

  /** Value of the sampling message of 0-based step `step` of image `image`. */
  step(image: number, step: number): number {
    return Math.min(100, Math.trunc(this.start(image) + (step + 1) * this.delta));
  }

  /** Value of "Saving image i/n to system". */
  saving(image: number): number {
    return Math.min(100, Math.trunc(this.start(image) + this.delta * this.steps));
  }
}
