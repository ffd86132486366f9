import { connect } from 'node:net';

/**
 * An HTTP/1.1 request written byte for byte: fetch and node:http refuse to send a NUL, a CR or an
 * invalid UTF-8 sequence in a path or a header, which is exactly what a hostile client sends.
 * Each request is one connection (`Connection: close`), read to its end.
 */
export type RawRequest = {
  method: string;
  /** The request target exactly as sent: already percent-encoded, or not. */
  target: string | Buffer;
  headers?: [name: string, value: string | Buffer][];
  body?: string | Buffer;
};

export type RawResponse = {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
  text: string;
};

const bytes = (value: string | Buffer): Buffer => (typeof value === 'string' ? Buffer.from(value) : value);

const dechunk = (body: Buffer): Buffer => {
  const parts: Buffer[] = [];
  let at = 0;
  while (at < body.length) {
    const lineEnd = body.indexOf('\r\n', at);
    if (lineEnd < 0) break;
    const size = Number.parseInt(body.subarray(at, lineEnd).toString('latin1'), 16);
    if (!Number.isFinite(size) || size === 0) break;
    parts.push(body.subarray(lineEnd + 2, lineEnd + 2 + size));
    at = lineEnd + 2 + size + 2;
  }
  return Buffer.concat(parts);
};

export const rawRequest = (url: string, request: RawRequest): Promise<RawResponse> => {
  const { hostname, port } = new URL(url);
  const body = request.body === undefined ? undefined : bytes(request.body);
  const lines: Buffer[] = [
    Buffer.concat([Buffer.from(`${request.method} `), bytes(request.target), Buffer.from(' HTTP/1.1\r\n')]),
    Buffer.from(`Host: ${hostname}:${port}\r\nConnection: close\r\n`),
    ...(request.headers ?? []).map(([name, value]) =>
      Buffer.concat([Buffer.from(`${name}: `), bytes(value), Buffer.from('\r\n')]),
    ),
    Buffer.from(body ? `Content-Length: ${body.length}\r\n\r\n` : '\r\n'),
    ...(body ? [body] : []),
  ];
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname);
    const chunks: Buffer[] = [];
    socket.setTimeout(20_000, () => socket.destroy(new Error(`no answer to ${request.method}`)));
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    // The server may close while a large body is still being written: its answer is what counts.
    socket.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EPIPE' && error.code !== 'ECONNRESET') reject(error);
    });
    socket.on('close', () => {
      const raw = Buffer.concat(chunks);
      const headEnd = raw.indexOf('\r\n\r\n');
      if (headEnd < 0) return reject(new Error(`no HTTP answer: ${JSON.stringify(raw.toString('latin1'))}`));
      const [statusLine = '', ...headerLines] = raw.subarray(0, headEnd).toString('latin1').split('\r\n');
      const headers: Record<string, string> = {};
      for (const line of headerLines) {
        const colon = line.indexOf(':');
        headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
      }
      let payload: Buffer = raw.subarray(headEnd + 4);
      if (headers['transfer-encoding']?.includes('chunked')) payload = dechunk(payload);
      resolve({
        status: Number(statusLine.split(' ')[1]),
        headers,
        body: payload,
        text: payload.toString('utf8'),
      });
    });
    socket.write(Buffer.concat(lines));
  });
};
