import { previewValue, truncateText } from '@vjepa/errors';

/**
 * The message of a caught error for the `received` part of a message, bounded and never
 * throwing: an Error's message, or a preview of whatever else was thrown.
 *
 * @example
 * causeText(new Error('EACCES: permission denied')); // "EACCES: permission denied"
 */
export function causeText(cause: unknown): string {
  try {
    if (cause instanceof Error) return truncateText(String(cause.message), 500);
  } catch {
    // a hostile getter: fall through to the preview
  }
  return previewValue(cause);
}
