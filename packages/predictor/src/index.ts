export { VJEPAPredictor } from './predictor';
export type { PredictorApplyOptions, PredictorOptions } from './predictor';
export { predictorConfigFor, resolvePredictorConfig } from './config';
export type { PredictorConfig, PredictorConfigInput } from './config';
export { checkPredictorModelSection, predictorModelKeys } from './model-section';
export type { PredictorModelSection } from './model-section';
