import { lookup } from 'node:dns/promises';
import net from 'node:net';
import type { BackgroundService } from '../core/background-service.js';
import type { DnsServiceSpec } from '../config/schema.js';
import type { CheckResults } from './check-result.js';
import { periodicCheck } from './periodic-check.js';

/** Canonical text of an IP address, so `::0001` and `::1` compare equal. */
function canonical(address: string): string {
  if (!net.isIPv6(address) || address.includes('%')) return address;
  return new URL(`http://[${address}]/`).hostname.slice(1, -1);
}

/**
 * A `dns` check: success when `host` resolves with the system resolver
 * (`/etc/hosts`, then DNS: what the app would see) and, with
 * `expectAddresses`, every expected address is among the answers.
 */
export function dnsCheck(spec: DnsServiceSpec, results: CheckResults): BackgroundService {
  const expected = spec.expectAddresses.map(canonical);
  return periodicCheck({
    ...spec,
    results,
    setup: () => ({
      async attempt() {
        let answers: string[];
        try {
          answers = (await lookup(spec.host, { all: true, verbatim: true })).map((a) => canonical(a.address));
        } catch (err) {
          throw new Error(`${spec.host} does not resolve: ${(err as NodeJS.ErrnoException).code ?? 'error'}`, { cause: err });
        }
        const missing = expected.filter((address) => !answers.includes(address));
        if (missing.length > 0) throw new Error(`${spec.host} resolves to ${answers.join(', ')}; missing ${missing.join(', ')}`);
      },
    }),
  });
}
