export { base64Decode, base64Encode, base64UrlDecode, base64UrlEncode } from './base64';
export { type PemTextProblem, pemTextProblems } from './diagnose';
export { decodePem, decodePemBlock, encodePem, isPemText, MAX_PEM_LENGTH, type PemBlock } from './pem';
