export { ROLE_BOTH, ROLE_CONTEXT, ROLE_NEITHER, ROLE_TARGET, maskRoles } from './mask-roles';
export type { MaskRole } from './mask-roles';
export { renderMasksText } from './render-text';
export type { RenderTextOptions } from './render-text';
export { MASK_COLOURS, masksImageLayout, renderMasksPng } from './render-png';
export type { MasksImageLayout, RenderPngOptions } from './render-png';
