/**
 * ECDSA signatures between the two encodings: DER (`ECDSA-Sig-Value`, what OpenSSL produces and
 * consumes) and the fixed-size `r ‖ s` of JWS (RFC 7518 §3.4, IEEE P1363).
 *
 * Why by hand: `node:crypto` converts for us when `sign`/`verify` get `{ key, dsaEncoding:
 * 'ieee-p1363' }`, but an options object sends the key through a slow path — on Node 24, one core,
 * an ES256 signature costs 50 µs that way against 24 µs with the `KeyObject` passed alone and the
 * conversion below, and a verification 90 µs against 65 µs (issue 16, bench/README.md).
 */

/** DER `SEQUENCE { INTEGER r, INTEGER s }` → `r ‖ s`, each left-padded to `size` bytes. */
export const derToP1363 = (der: Buffer, size: number): Buffer => {
  // SEQUENCE tag, then a short or long length form.
  let offset = 2 + (der[1]! & 0x80 ? der[1]! & 0x7f : 0);
  const out = Buffer.alloc(size * 2);
  for (let part = 0; part < 2; part++) {
    const length = der[offset + 1]!;
    let start = offset + 2;
    let bytes = length;
    // DER prefixes a 0x00 to an integer whose top bit is set: not part of the value.
    while (bytes > size) {
      start++;
      bytes--;
    }
    der.copy(out, part * size + (size - bytes), start, start + bytes);
    offset += 2 + length;
  }
  return out;
};

const derInteger = (value: Buffer): Buffer => {
  let start = 0;
  while (start < value.length - 1 && value[start] === 0) start++;
  const trimmed = value.subarray(start);
  const sign = trimmed[0]! & 0x80 ? 1 : 0;
  const out = Buffer.alloc(2 + sign + trimmed.length);
  out[0] = 0x02;
  out[1] = sign + trimmed.length;
  trimmed.copy(out, 2 + sign);
  return out;
};

/**
 * `r ‖ s` → DER. Returns undefined when the signature is not exactly `2 × size` bytes (such a
 * signature is invalid; node's own conversion refuses it too).
 */
export const p1363ToDer = (signature: Buffer, size: number): Buffer | undefined => {
  if (signature.length !== size * 2) return undefined;
  const r = derInteger(signature.subarray(0, size));
  const s = derInteger(signature.subarray(size));
  const bodyLength = r.length + s.length;
  const lengthBytes = bodyLength < 0x80 ? [bodyLength] : [0x81, bodyLength];
  return Buffer.concat([Buffer.from([0x30, ...lengthBytes]), r, s]);
};
