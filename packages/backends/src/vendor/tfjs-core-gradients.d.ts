// The generated bundle (tfjs-core-gradients.js) has no exports: importing it registers tfjs-core's
// gradients and chained tensor methods on the installed tfjs-core's engine.
export {};
