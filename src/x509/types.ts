/** One attribute of a distinguished name, e.g. `CN=root.linkerd.cluster.local`. */
export interface NameAttribute {
  /** Attribute type OID, e.g. `2.5.4.3` for commonName. */
  readonly oid: string;
  /** The ASN.1 string tag it was encoded with. */
  readonly tag: number;
  /** The decoded value. */
  readonly value: string;
}

/** A distinguished name: its exact DER (what chains compare) and its decoded attributes. */
export interface Name {
  /** The whole `Name` encoding; path building compares these bytes. */
  readonly der: Uint8Array;
  /** Relative distinguished names, outermost first. */
  readonly rdns: readonly (readonly NameAttribute[])[];
  /** The last commonName attribute, if any. */
  readonly commonName: string | undefined;
}

/** Hash functions named in signature algorithms. */
export type HashName = 'SHA-1' | 'SHA-256' | 'SHA-384' | 'SHA-512' | 'MD5';

/** A signature algorithm as written in a certificate or CSR. */
export interface SignatureAlgorithm {
  /** The algorithm OID. */
  readonly oid: string;
  /** Its family: ECDSA, RSA PKCS#1 v1.5, RSA-PSS, Ed25519, or something l5d-pki does not know. */
  readonly kind: 'ecdsa' | 'rsa-pkcs1' | 'rsa-pss' | 'ed25519' | 'unknown';
  /** The digest, when the algorithm names one. */
  readonly hash: HashName | undefined;
  /** RSA-PSS salt length in bytes. */
  readonly saltLength: number | undefined;
  /** A readable name, e.g. `ecdsa-with-SHA256`. */
  readonly name: string;
  /** The whole AlgorithmIdentifier encoding. */
  readonly der: Uint8Array;
}

/** A subject public key as found in a certificate or CSR. */
export interface PublicKeyInfo {
  /** The whole SubjectPublicKeyInfo encoding. */
  readonly der: Uint8Array;
  /** Key family. */
  readonly kind: 'ec' | 'rsa' | 'ed25519' | 'unknown';
  /** Algorithm OID. */
  readonly algorithmOid: string;
  /** Named curve for EC keys: `P-256`, `P-384`, `P-521`, or the curve OID when unknown. */
  readonly curve: string | undefined;
  /** Modulus size in bits for RSA keys. */
  readonly rsaBits: number | undefined;
  /** The subjectPublicKey bits (an EC point, an RSAPublicKey, ...). */
  readonly key: Uint8Array;
}

/** One entry of a SubjectAltName, or of a name constraint. */
export type GeneralName =
  | { readonly type: 'dns'; readonly value: string }
  | { readonly type: 'email'; readonly value: string }
  | { readonly type: 'uri'; readonly value: string }
  | { readonly type: 'ip'; readonly value: Uint8Array }
  | { readonly type: 'dn'; readonly value: Name }
  | { readonly type: 'other'; readonly tag: number; readonly der: Uint8Array };

/** A raw extension. */
export interface Extension {
  /** Extension OID. */
  readonly oid: string;
  /** The critical flag. */
  readonly critical: boolean;
  /** The extnValue content (the DER inside the OCTET STRING). */
  readonly value: Uint8Array;
}

/** basicConstraints. */
export interface BasicConstraints {
  /** Whether the subject is a CA. */
  readonly ca: boolean;
  /** pathLenConstraint, when present. */
  readonly pathLen: number | undefined;
}

/** A name-constraints subtree; `ip` carries address and mask (8 or 32 bytes). */
export interface NameConstraints {
  /** permittedSubtrees bases (undefined when absent). */
  readonly permitted: readonly GeneralName[] | undefined;
  /** excludedSubtrees bases (undefined when absent). */
  readonly excluded: readonly GeneralName[] | undefined;
}

/** keyUsage bits, as numbers to test with `&` against {@link Certificate.keyUsage}. */
export const KeyUsage = {
  digitalSignature: 1 << 0,
  nonRepudiation: 1 << 1,
  keyEncipherment: 1 << 2,
  dataEncipherment: 1 << 3,
  keyAgreement: 1 << 4,
  keyCertSign: 1 << 5,
  cRLSign: 1 << 6,
  encipherOnly: 1 << 7,
  decipherOnly: 1 << 8,
} as const;

/** A parsed X.509 certificate: plain data, with views into the original DER. */
export interface Certificate {
  /** The certificate's DER. */
  readonly der: Uint8Array;
  /** The TBSCertificate bytes the signature covers. */
  readonly tbs: Uint8Array;
  /** 1, 2 or 3. */
  readonly version: number;
  /** Serial number content octets (two's complement, as encoded). */
  readonly serialNumber: Uint8Array;
  /** The serial number in lowercase hex. */
  readonly serialHex: string;
  /** The outer signature algorithm (checked equal to the TBS one). */
  readonly signatureAlgorithm: SignatureAlgorithm;
  /** The signature bits (DER `ECDSA-Sig-Value` for ECDSA). */
  readonly signature: Uint8Array;
  /** Issuer name. */
  readonly issuer: Name;
  /** Subject name. */
  readonly subject: Name;
  /** Start of validity. */
  readonly notBefore: Date;
  /** End of validity. */
  readonly notAfter: Date;
  /** Subject public key. */
  readonly publicKey: PublicKeyInfo;
  /** Every extension, in order. */
  readonly extensions: readonly Extension[];
  /** Whether the subject name equals the issuer name byte for byte. */
  readonly selfIssued: boolean;
  /** basicConstraints, when present. */
  readonly basicConstraints: BasicConstraints | undefined;
  /** keyUsage bits ({@link KeyUsage}), when present. */
  readonly keyUsage: number | undefined;
  /** extKeyUsage OIDs, when present. */
  readonly extKeyUsage: readonly string[] | undefined;
  /** subjectAltName entries, when present. */
  readonly subjectAltNames: readonly GeneralName[] | undefined;
  /** subjectKeyIdentifier, when present. */
  readonly subjectKeyId: Uint8Array | undefined;
  /** authorityKeyIdentifier keyIdentifier, when present. */
  readonly authorityKeyId: Uint8Array | undefined;
  /** nameConstraints, when present. */
  readonly nameConstraints: NameConstraints | undefined;
}

/** authorityKeyIdentifier, with which of its optional fields are present. */
export interface AuthorityKeyIdentifier {
  /** keyIdentifier, when present. */
  readonly keyId: Uint8Array | undefined;
  /** Whether authorityCertIssuer is present. */
  readonly hasAuthorityCertIssuer: boolean;
  /** Whether authorityCertSerialNumber is present. */
  readonly hasAuthorityCertSerialNumber: boolean;
}

/** One AccessDescription of an authorityInfoAccess extension. */
export interface AccessDescription {
  /** accessMethod OID, e.g. `1.3.6.1.5.5.7.48.2` (caIssuers). */
  readonly method: string;
  /** accessLocation. */
  readonly location: GeneralName;
}
