export { AdamW, FUSED_ADAMW_KERNEL } from './adamw';
export type { AdamWGroup, AdamWOptions, AdamWState } from './adamw';
export { clipGradNorm, gradNorm } from './clip-grad-norm';
export type { ClippedGradients } from './clip-grad-norm';
export { FUSED_EMA_KERNEL, emaUpdate } from './ema';
export { isNoDecayParam, prefixed, toVariableMap, vjepaParamGroups } from './param-groups';
export type { NamedVariables, ParamGroup } from './param-groups';
export { CosineWDSchedule, LinearMomentumSchedule, WarmupCosineSchedule, scheduleLength } from './schedules';
export type { CosineWDOptions, LinearMomentumOptions, WarmupCosineOptions } from './schedules';
