// Module resolve hook (loaded by register-tfjs-core-esm.mjs): lets Node load tfjs-core's ESM files,
// whose relative imports have no extension ('./gradients/Abs_grad'), by retrying with '.js' and
// '/index.js'. Only for tfjs files; everything else resolves as usual.
export async function resolve(specifier, context, next) {
  try {
    return await next(specifier, context);
  } catch (error) {
    const fromTfjs = context.parentURL?.includes('/@tensorflow/') || specifier.startsWith('@tensorflow/tfjs-core/dist/');
    if (!fromTfjs || !['ERR_MODULE_NOT_FOUND', 'ERR_UNSUPPORTED_DIR_IMPORT'].includes(error?.code)) throw error;
    for (const suffix of ['.js', '/index.js']) {
      try {
        return await next(specifier + suffix, context);
      } catch {
        // try the next suffix
      }
    }
    throw error;
  }
}
