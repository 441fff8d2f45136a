export { fromHex, hashBytes, sameBytes, toHex } from './bytes';
export { ByteCache } from './cache';
export { type DerElement, DerReader, derError, readTopLevel } from './reader';
export { contextTag, TAG } from './tags';
export * from './values';
export * from './writer';
