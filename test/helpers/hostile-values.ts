import fc from 'fast-check';

/**
 * What a hostile client puts in a parameter, a header or a body: NUL and other control
 * characters, unpaired surrogates, invalid UTF-8 as raw bytes, huge strings, injection attempts,
 * and plain unicode. Shared by the fuzz suites (fast-check arbitraries).
 */

/** fast-check's seed for the fuzz suites: FUZZ_SEED=… replays a failing run (fast-check prints its seed). */
export const fuzzParameters = (numRuns: number): fc.Parameters<unknown> => ({
  numRuns: Number(process.env.FUZZ_RUNS ?? numRuns),
  ...(process.env.FUZZ_SEED ? { seed: Number(process.env.FUZZ_SEED) } : {}),
  endOnFailure: true,
});

const NASTY = [
  'a\u0000b',
  '\u0000',
  'cl_\u0000',
  'tok_\u0000x',
  'usr_\u0000',
  '\u0001\u0002\u001b[31m\u007f',
  '\r\nX-Injected: 1',
  '\ud800',
  'x\udfffy',
  '\ufeff',
  '\u202e\u0301😀ǅ',
  '../../etc/passwd',
  "' or 1=1 --",
  '%00',
  '%FF',
  '',
  ' ',
  'null',
  '[]',
  '{"a":1}',
  '-1',
  '1e309',
  '9'.repeat(40),
  'https://evil.example/\u0000',
  'Basic',
  'x'.repeat(1_000),
];

/** Any UTF-16 code unit, lone surrogates included (what `\ud800` in JSON decodes to). */
const codeUnit = fc.integer({ min: 0, max: 0xffff }).map((unit) => String.fromCharCode(unit));

export const hostileText: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...NASTY) },
  { weight: 3, arbitrary: fc.string({ unit: codeUnit, maxLength: 24 }) },
  { weight: 2, arbitrary: fc.string({ maxLength: 24 }) },
  {
    weight: 2,
    arbitrary: fc
      .tuple(
        fc.string({ maxLength: 8 }),
        fc.constantFrom('\u0000', '\ud800', '\u0007', '\n'),
        fc.string({ maxLength: 8 }),
      )
      .map((parts) => parts.join('')),
  },
  { weight: 1, arbitrary: fc.integer({ min: 1_000, max: 80_000 }).map((length) => 'x'.repeat(length)) },
);

/** Every byte percent-encoded: how invalid UTF-8 (`%FF%FE`, an overlong `%C0%80`) reaches a server. */
export const percentBytes = (value: Uint8Array | Buffer): string =>
  [...value].map((byte) => `%${byte.toString(16).toUpperCase().padStart(2, '0')}`).join('');

/**
 * A string percent-encoded as UTF-8 (a lone surrogate becomes U+FFFD, as any encoder does);
 * unreserved characters stay as they are.
 */
export const percentText = (value: string): string =>
  [...Buffer.from(value, 'utf8')]
    .map((byte) =>
      /[A-Za-z0-9\-._~]/.test(String.fromCharCode(byte))
        ? String.fromCharCode(byte)
        : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`,
    )
    .join('');

/** One percent-encoded component of a path, a query or a form: hostile text, raw bytes or broken escapes. */
export const hostileComponent: fc.Arbitrary<string> = fc.oneof(
  { weight: 5, arbitrary: hostileText.map(percentText) },
  { weight: 2, arbitrary: fc.uint8Array({ minLength: 1, maxLength: 12 }).map(percentBytes) },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      '%',
      '%G0',
      '%FF%FE',
      '%C3',
      '%ED%A0%80',
      '%C0%80',
      '%00',
      '%0D%0A',
      '+',
      '%2F..%2F',
    ),
  },
);

/** A raw header value: printable, latin-1, or with bytes HTTP forbids (the server's parser must refuse those). */
export const hostileHeaderValue: fc.Arbitrary<Buffer> = fc.oneof(
  {
    weight: 4,
    arbitrary: hostileText.filter((text) => text.length < 4_000).map((text) => Buffer.from(text, 'latin1')),
  },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 20 }).map((value) => Buffer.from(value)) },
);

/** A JSON value of any shape, with hostile strings in it (keys too). */
export const hostileJson: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    hostileText,
    fc.integer(),
    fc.double(),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(hostileText, tie('value'), { maxKeys: 4 }),
  ),
})).value;

/** A stack trace or an internal error name in a response body: nothing from inside may leak. */
export const stackTraceIn = (text: string): boolean =>
  /\bat .+\.(js|ts):\d+|node_modules|\bError: /.test(text);

/**
 * A well-formed value made hostile in one place — a NUL, a control character, a lone surrogate or
 * raw invalid UTF-8 bytes inserted — so it passes the shape checks a wholly random value fails and
 * reaches the lookups behind them. Percent-encoded.
 */
export const corrupted = (valid: string): fc.Arbitrary<string> =>
  fc
    .tuple(
      fc.nat({ max: valid.length }),
      fc.oneof(
        fc.constantFrom('\u0000', '\u0001', '\u001f', '\u007f', '\ud800', '\udfff').map(percentText),
        fc.constantFrom('%FF', '%FE%FF', '%C3', '%ED%A0%80', '%C0%80', '%00'),
      ),
    )
    .map(([at, inserted]) => `${percentText(valid.slice(0, at))}${inserted}${percentText(valid.slice(at))}`);
