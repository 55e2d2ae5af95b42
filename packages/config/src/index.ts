// zod itself, so that every package's section schema is built with one zod and composes with the others
export { z } from 'zod';
export { nonNegative, nonNegativeInt, positive, positiveInt, range, unitInterval } from './kinds';
export { configErrorFromIssues, formatPath, knownKeysAt } from './config-error';
export { parseConfig } from './parse-config';
export { didYouMean } from './did-you-mean';
