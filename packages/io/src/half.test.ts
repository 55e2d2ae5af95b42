import { describe, expect, it } from 'vitest';
import { bfloat16ToFloat32, float16ToFloat32, float32ToBfloat16, float32ToFloat16 } from './half';

describe('half precision', () => {
  it('round-trips every finite float16 bit pattern', () => {
    const wrong: number[] = [];
    for (let h = 0; h < 0x10000; h++) {
      if (((h >> 10) & 0x1f) === 0x1f) continue; // inf/NaN
      // -0 and +0 keep their sign bit
      if (float32ToFloat16(float16ToFloat32(h)) !== h) wrong.push(h);
    }
    expect(wrong).toEqual([]);
  });

  it('rounds to nearest even and overflows to infinity', () => {
    expect(float32ToFloat16(1 + 2 ** -11)).toBe(0x3c00); // halfway, even stays
    expect(float32ToFloat16(1 + 3 * 2 ** -11)).toBe(0x3c02); // halfway, odd rounds up
    expect(float32ToFloat16(70000)).toBe(0x7c00);
    expect(Number.isNaN(float16ToFloat32(float32ToFloat16(NaN)))).toBe(true);
  });

  it('bfloat16 keeps the top 16 bits and rounds to nearest even', () => {
    expect(float32ToBfloat16(1)).toBe(0x3f80);
    expect(bfloat16ToFloat32(0x3f80)).toBe(1);
    expect(bfloat16ToFloat32(float32ToBfloat16(3.140625))).toBe(3.140625);
    expect(Number.isNaN(bfloat16ToFloat32(float32ToBfloat16(NaN)))).toBe(true);
  });
});
