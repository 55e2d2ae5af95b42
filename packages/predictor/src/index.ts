export { VJEPAPredictor } from './predictor';
export type { PredictorApplyOptions, PredictorLoadOptions, PredictorOptions } from './predictor';
export { loadPredictor, predictorConfigFromStateDict } from './load-predictor';
export type { LoadPredictorOptions, PredictorDetectOptions, PredictorEncoderConfig } from './load-predictor';
export { predictorConfigFor, resolvePredictorConfig } from './config';
export type { PredictorConfig, PredictorConfigInput } from './config';
export { checkPredictorModelSection, predictorModelKeys } from './model-section';
export type { PredictorModelSection } from './model-section';
