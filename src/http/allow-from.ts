import { BlockList, isIP } from 'node:net';
import { podwardenError } from '../errors.js';

/** The `drain.allowFrom` entry that stands for the node's own addresses (`PODWARDEN_HOST_IPS`). */
export const hostIPsKeyword = 'hostIPs';

/** Where the node's addresses come from for {@link hostIPsKeyword}: the downward API's `status.hostIPs`, comma-separated. */
export const hostIPsEnv = 'PODWARDEN_HOST_IPS';

const allowedForms = `an IPv4 or IPv6 address (10.0.0.7, fd00::7), a CIDR (10.0.0.0/8, fd00::/64) or "${hostIPsKeyword}"`;

type Rule = { readonly kind: 'address'; readonly address: string; readonly family: 'ipv4' | 'ipv6' } | { readonly kind: 'subnet'; readonly network: string; readonly prefix: number; readonly family: 'ipv4' | 'ipv6' };

/** Read one address or CIDR; a string saying what is wrong when it is neither. */
function ruleOf(entry: string): Rule | string {
  const slash = entry.indexOf('/');
  const address = slash === -1 ? entry : entry.slice(0, slash);
  const version = isIP(address);
  if (version === 0) return `${JSON.stringify(entry)} is not ${allowedForms}`;
  const family = version === 4 ? 'ipv4' : 'ipv6';
  if (slash === -1) return { kind: 'address', address, family };
  const bits = entry.slice(slash + 1);
  const max = version === 4 ? 32 : 128;
  if (!/^\d{1,3}$/.test(bits) || Number(bits) > max) return `${JSON.stringify(entry)} has a bad prefix length; use 0–${max} after the "/"`;
  return { kind: 'subnet', network: address, prefix: Number(bits), family };
}

/**
 * Why `entry` cannot be a `drain.allowFrom` entry, or `undefined` when it can:
 * an address, a CIDR, or `hostIPs`.
 */
export function allowEntryProblem(entry: string): string | undefined {
  if (entry === hostIPsKeyword) return undefined;
  const rule = ruleOf(entry.trim());
  return typeof rule === 'string' ? rule : undefined;
}

/** Split `PODWARDEN_HOST_IPS` (`10.0.0.7,fd00::7`); the entries that are not addresses are returned apart. */
export function parseHostIPs(value: string): { addresses: string[]; invalid: string[] } {
  const items = value.split(',').map((s) => s.trim()).filter((s) => s !== '');
  return { addresses: items.filter((s) => isIP(s) !== 0), invalid: items.filter((s) => isIP(s) === 0) };
}

/** Says whether a request's source address may call `/drain`. */
export type SourceCheck = (remoteAddress: string | undefined) => boolean;

/**
 * Build the check for `drain.allowFrom`, once, at setup; `undefined` when the
 * list is empty (no restriction). Loopback (127.0.0.0/8, ::1) is always
 * allowed once a list is set, so `podwarden` itself and a local `curl` keep
 * working. IPv4-mapped IPv6 sources (`::ffff:10.0.0.7`, what a dual-stack
 * listener reports for IPv4 clients) match IPv4 rules: `BlockList` compares
 * them as IPv4. A socket without an address (already closed) is refused.
 * Throws `PODWARDEN_ERR_INVALID_OPTION` naming the bad entry; `hostIPs`
 * needs `hostIPs` addresses.
 */
export function sourceCheck(entries: readonly string[] | undefined, hostIPs: readonly string[] | undefined): SourceCheck | undefined {
  if (entries === undefined || entries.length === 0) return undefined;
  const list = new BlockList();
  list.addSubnet('127.0.0.0', 8, 'ipv4');
  list.addAddress('::1', 'ipv6');
  entries.forEach((entry, i) => {
    const where = `drain.allowFrom[${i}]`;
    if (typeof entry !== 'string') throw podwardenError('PODWARDEN_ERR_INVALID_OPTION', where, `is not ${allowedForms}`);
    if (entry === hostIPsKeyword) {
      if (hostIPs === undefined || hostIPs.length === 0) {
        throw podwardenError('PODWARDEN_ERR_INVALID_OPTION', where, `"${hostIPsKeyword}" needs the node's addresses (drain.hostIPs, or ${hostIPsEnv} from the downward API's status.hostIPs); set them or list the addresses instead`);
      }
      hostIPs.forEach((address, j) => add(list, address, `drain.hostIPs[${j}]`));
      return;
    }
    add(list, entry, where);
  });
  return (remoteAddress) => {
    if (remoteAddress === undefined) return false;
    try {
      return list.check(remoteAddress, isIP(remoteAddress) === 6 ? 'ipv6' : 'ipv4');
    } catch {
      return false;
    }
  };
}

function add(list: BlockList, entry: string, where: string): void {
  const rule = ruleOf(entry.trim());
  if (typeof rule === 'string') throw podwardenError('PODWARDEN_ERR_INVALID_OPTION', where, rule);
  try {
    if (rule.kind === 'address') list.addAddress(rule.address, rule.family);
    else list.addSubnet(rule.network, rule.prefix, rule.family);
  } catch {
    throw podwardenError('PODWARDEN_ERR_INVALID_OPTION', where, `${JSON.stringify(entry)} is not ${allowedForms}`);
  }
}
