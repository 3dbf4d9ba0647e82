/**
 * A raw WebSocket client over a TCP socket, for sending frames a well-behaved client library would refuse to build
 * (oversized, invalid UTF-8, unknown opcode). RFC 6455 §5.2 framing: client frames are masked.
 */
import { randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';

export interface RawSocket {
  readonly socket: Socket;
  /** Resolves when the server closes the connection (end or reset). */
  readonly closed: Promise<void>;
  send(opcode: number, payload: Buffer): void;
}

/** Opens the upgrade on `url` (http://host:port/path?query) with the Origin the server expects. */
export function openRaw(url: string, origin: string): Promise<RawSocket> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(u.port), u.hostname);
    const closed = new Promise<void>((r) => {
      socket.once('close', () => r());
    });
    socket.on('error', () => undefined);
    socket.once('connect', () => {
      socket.write(
        `GET ${u.pathname}${u.search} HTTP/1.1\r\nHost: ${u.host}\r\nOrigin: ${origin}\r\nUpgrade: websocket\r\n` +
          `Connection: Upgrade\r\nSec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\n` +
          `Sec-WebSocket-Version: 13\r\n\r\n`,
      );
    });
    let head = '';
    const onData = (d: Buffer) => {
      head += d.toString('latin1');
      if (!head.includes('\r\n\r\n')) return;
      socket.off('data', onData);
      if (!head.startsWith('HTTP/1.1 101')) return reject(new Error(`upgrade refused: ${head.split('\r\n')[0]}`));
      resolve({ socket, closed, send: (opcode, payload) => socket.write(frame(opcode, payload)) });
    };
    socket.on('data', onData);
    socket.once('error', reject);
  });
}

function frame(opcode: number, payload: Buffer): Buffer {
  const mask = randomBytes(4);
  const n = payload.length;
  const len = n < 126 ? Buffer.from([0x80 | n]) : n < 65536 ? Buffer.alloc(3) : Buffer.alloc(9);
  if (n >= 126 && n < 65536) {
    len[0] = 0x80 | 126;
    len.writeUInt16BE(n, 1);
  } else if (n >= 65536) {
    len[0] = 0x80 | 127;
    len.writeBigUInt64BE(BigInt(n), 1);
  }
  const masked = Buffer.alloc(n);
  for (let i = 0; i < n; i++) masked[i] = payload[i] ^ mask[i & 3];
  return Buffer.concat([Buffer.from([0x80 | opcode]), len, mask, masked]);
}
