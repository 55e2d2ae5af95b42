export { checkHostile, expectHostile, runHostile } from './hostile';
export type { HostileCase, HostileErrorClass, HostileExpectation, HostileOutcome } from './hostile';
export { craftZip, deflatedZeros } from './craft-zip';
export type { CraftedZipEntry } from './craft-zip';
export { scratchFolder } from './scratch-folder';
export type { ScratchFolder } from './scratch-folder';
