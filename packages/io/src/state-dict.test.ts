import { CheckpointError } from '@vjepa/errors';
import { describe, expect, it } from 'vitest';
import { matchStateDict, selectStateDict, stripPrefixes } from './state-dict';
import { tensorData } from './tensor-data';

const t = (...shape: number[]) => tensorData('float32', shape, new Float32Array(shape.reduce((a, b) => a * b, 1)));

describe('stripPrefixes', () => {
  it('strips module. and backbone. repeatedly from the front only', () => {
    const w = t(2);
    const out = stripPrefixes({ 'module.backbone.norm.weight': w, 'backbone.module.x': w, 'blocks.0.module.y': w });
    expect(Object.keys(out)).toEqual(['norm.weight', 'x', 'blocks.0.module.y']);
    expect(out['norm.weight']).toBe(w);
  });

  it('throws when two keys collapse onto one', () => {
    expect(() => stripPrefixes({ 'module.a': t(1), a: t(1) })).toThrow(/"module\.a" and "a".*both become "a"/);
  });

  it('takes custom prefixes', () => {
    expect(Object.keys(stripPrefixes({ 'encoder.x': t(1) }, ['encoder.']))).toEqual(['x']);
  });
});

describe('selectStateDict', () => {
  const ckpt = { encoder: { 'module.backbone.a': t(2) }, target_encoder: { 'module.backbone.a': t(3) }, opt: null, epoch: 5 };

  it('selects and strips', () => {
    expect(selectStateDict(ckpt, 'target_encoder').a.shape).toEqual([3]);
  });

  it('lists the available keys when the key is absent', () => {
    expect(() => selectStateDict(ckpt, 'classifier', { file: 'c.pth.tar' })).toThrow(CheckpointError);
    expect(() => selectStateDict(ckpt, 'classifier', { file: 'c.pth.tar' })).toThrow(/c\.pth\.tar: key "classifier": expected one of the available keys: encoder, target_encoder, opt, epoch/);
  });

  it('refuses a key that is not a state dict', () => {
    expect(() => selectStateDict(ckpt, 'opt', { file: 'c' })).toThrow(/c: key "opt": expected a state dict.*received None/);
    expect(() => selectStateDict({ sd: { a: t(1), b: 3 } }, 'sd', { file: 'c' })).toThrow(/"b" = number 3/);
  });

  it('selects from a flat dict by prefix (safetensors layout)', () => {
    const flat = { 'target_encoder.norm.weight': t(4), 'encoder.norm.weight': t(5) };
    expect(Object.keys(selectStateDict(flat, 'target_encoder'))).toEqual(['norm.weight']);
    expect(() => selectStateDict(flat, 'predictor')).toThrow(/available keys: target_encoder\.\*, encoder\.\*/);
  });
});

describe('matchStateDict', () => {
  const expected = { 'a.weight': [2, 3], 'a.bias': [2], 'b.weight': [4] };

  it('reports every missing, unexpected and mis-shaped key in one error', () => {
    const sd = { 'a.weight': t(3, 2), 'c.weight': t(1), 'b.weight': t(4) };
    let err: unknown;
    try {
      matchStateDict(expected, sd, { file: 'x.pth.tar', what: 'target_encoder' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(CheckpointError);
    const msg = (err as Error).message;
    expect(msg).toMatch(/^x\.pth\.tar: target_encoder/);
    expect(msg).toContain('1 missing (a.bias)');
    expect(msg).toContain('1 unexpected (c.weight)');
    expect(msg).toContain('a.weight: expected [2, 3], received [3, 2]');
  });

  it('returns the report with allowPartial', () => {
    const r = matchStateDict(expected, { 'a.weight': t(2, 3), 'z': t(1) }, { allowPartial: true });
    expect(r).toEqual({ loaded: ['a.weight'], missing: ['a.bias', 'b.weight'], unexpected: ['z'], mismatched: [] });
  });

  it('passes a complete match', () => {
    const r = matchStateDict(expected, { 'a.weight': t(2, 3), 'a.bias': t(2), 'b.weight': t(4) });
    expect(r.loaded).toEqual(['a.weight', 'a.bias', 'b.weight']);
  });
});
