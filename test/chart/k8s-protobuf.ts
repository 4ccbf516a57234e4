/**
 * Just enough of Kubernetes' protobuf encoding to read the Secrets that Helm's
 * release storage sends (client-go sends built-in kinds as protobuf): the
 * `k8s\0` envelope (runtime.Unknown), and a v1 Secret's metadata (name,
 * namespace, labels, annotations), data, type and immutable.
 */

/** Protobuf wire-format fields of one message: field number to its raw values (varints as bigint, the rest as bytes). */
function fields(buf: Buffer): Map<number, Array<bigint | Buffer>> {
  const out = new Map<number, Array<bigint | Buffer>>();
  let at = 0;
  const varint = (): bigint => {
    let value = 0n;
    for (let shift = 0n; ; shift += 7n) {
      const byte = buf[at++];
      if (byte === undefined) throw new Error('protobuf: truncated varint');
      value |= BigInt(byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) return value;
    }
  };
  while (at < buf.length) {
    const key = Number(varint());
    const field = key >>> 3;
    const wire = key & 7;
    let value: bigint | Buffer;
    if (wire === 0) value = varint();
    else if (wire === 2) {
      const length = Number(varint());
      value = buf.subarray(at, at + length);
      at += length;
    } else if (wire === 1) {
      value = buf.subarray(at, at + 8);
      at += 8;
    } else if (wire === 5) {
      value = buf.subarray(at, at + 4);
      at += 4;
    } else throw new Error(`protobuf: wire type ${wire} not supported`);
    const list = out.get(field) ?? [];
    list.push(value);
    out.set(field, list);
  }
  return out;
}

const bytesOf = (m: Map<number, Array<bigint | Buffer>>, field: number): Buffer | undefined => {
  const v = m.get(field)?.[0];
  return Buffer.isBuffer(v) ? v : undefined;
};
const stringOf = (m: Map<number, Array<bigint | Buffer>>, field: number): string | undefined => bytesOf(m, field)?.toString('utf8');

/** A map<string, V> field: entries are messages with key 1 and value 2. */
function mapOf<V>(m: Map<number, Array<bigint | Buffer>>, field: number, value: (b: Buffer) => V): Record<string, V> {
  const out: Record<string, V> = {};
  for (const entry of m.get(field) ?? []) {
    if (!Buffer.isBuffer(entry)) continue;
    const e = fields(entry);
    out[stringOf(e, 1) ?? ''] = value(bytesOf(e, 2) ?? Buffer.alloc(0));
  }
  return out;
}

/** A protobuf-encoded v1 Secret (with its `k8s\0` envelope) as the JSON object the API would store. */
export function decodeSecret(body: Buffer): Record<string, unknown> {
  if (body.subarray(0, 4).toString('latin1') !== 'k8s\0') throw new Error('protobuf: no k8s envelope');
  const unknown = fields(body.subarray(4));
  const typeMeta = fields(bytesOf(unknown, 1) ?? Buffer.alloc(0));
  const kind = stringOf(typeMeta, 2);
  if (kind !== 'Secret') throw new Error(`protobuf: only Secrets are read, not ${kind ?? 'an unnamed kind'}`);
  const secret = fields(bytesOf(unknown, 2) ?? Buffer.alloc(0));
  const meta = fields(bytesOf(secret, 1) ?? Buffer.alloc(0));
  const text = (b: Buffer) => b.toString('utf8');
  const immutable = secret.get(5)?.[0];
  return {
    apiVersion: stringOf(typeMeta, 1) ?? 'v1',
    kind,
    metadata: { name: stringOf(meta, 1), namespace: stringOf(meta, 3), labels: mapOf(meta, 11, text), annotations: mapOf(meta, 12, text) },
    data: mapOf(secret, 2, (b) => b.toString('base64')),
    type: stringOf(secret, 3),
    ...(immutable === undefined ? {} : { immutable: immutable === 1n }),
  };
}
