/** The generated bundle's path (src/vendor/tfjs-core-gradients.js). */
export declare const BUNDLE_FILE: string;
/** The installed @tensorflow/tfjs-core's version. */
export declare function tfjsCoreVersion(): string;
/** The text of the bundle for the installed tfjs-core. */
export declare function bundleTfjsGradients(): Promise<string>;
