/** What the tools service needs from the process that runs the describe and mask models. */
import type { DescribeImageType } from '../../engine/index.ts';

export interface DescribeOutcome {
  text: string;
  warnings: string[];
}

export interface MaskOutcome {
  png: Uint8Array;
  width: number;
  height: number;
  warnings: string[];
}

/** Engine-side failures keep their kind (model-missing, invalid-input, ...) for the service to map. */
export class ToolFailure extends Error {
  constructor(
    readonly kind: string,
    message: string,
    readonly field?: string,
  ) {
    super(message);
    this.name = 'ToolFailure';
  }
}

export interface ToolsClient {
  describe(png: Uint8Array, imageType: DescribeImageType): Promise<DescribeOutcome>;
  mask(png: Uint8Array, model: string, clothCategory: string): Promise<MaskOutcome>;
  close(): Promise<void>;
}
