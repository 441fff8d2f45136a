/** Field/coordinate size in bytes of the named curves l5d-pki verifies with. */
export const CURVE_SIZE: Readonly<Record<string, number>> = { 'P-256': 32, 'P-384': 48, 'P-521': 66 };
