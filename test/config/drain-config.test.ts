import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load-config.js';
import { isPodwardenError } from '../../src/errors.js';

/** The problem lines of a refused config. */
async function problems(text: string, env: NodeJS.ProcessEnv = {}, overrides = {}): Promise<string[]> {
  try {
    await parseConfig(text, { env, overrides });
  } catch (err) {
    expect(isPodwardenError(err, 'PODWARDEN_ERR_CONFIG')).toBe(true);
    return (err as Error).message.split('\n').slice(1).map((line) => line.replace(/^ {2}- /, ''));
  }
  throw new Error('the config was accepted');
}

const app = 'services:\n  - { name: app, type: tcp, port: 8080 }\n';

describe('config: drain.allowFrom', () => {
  it('takes addresses, CIDRs and hostIPs; hostIPs reads PODWARDEN_HOST_IPS (comma-separated)', async () => {
    const config = await parseConfig('drain: { allowFrom: [hostIPs, 10.0.0.0/8, "fd00::/64", 169.254.7.127] }', { env: { PODWARDEN_HOST_IPS: '10.1.2.3, fd00::3' } });
    expect(config.drain.allowFrom).toEqual(['hostIPs', '10.0.0.0/8', 'fd00::/64', '169.254.7.127']);
    expect(config.drain.hostIPs).toEqual(['10.1.2.3', 'fd00::3']);
    const none = await parseConfig('', { env: { PODWARDEN_HOST_IPS: '10.1.2.3' } });
    expect(none.drain.allowFrom).toEqual([]);
    expect(none.drain.hostIPs).toBeUndefined();
  });

  it('refuses a bad entry with its index, what is allowed, and where it came from', async () => {
    expect(await problems('drain: { allowFrom: [10.0.0.0/8, node-ip, 10.0.0.0/40] }')).toEqual([
      'drain.allowFrom[1]: "node-ip" is not an IPv4 or IPv6 address (10.0.0.7, fd00::7), a CIDR (10.0.0.0/8, fd00::/64) or "hostIPs"',
      'drain.allowFrom[2]: "10.0.0.0/40" has a bad prefix length; use 0–32 after the "/"',
    ]);
    expect(await problems('drain: { allowFrom: 10.0.0.0/8 }')).toEqual(['drain.allowFrom: "10.0.0.0/8" is not a list of addresses; use e.g. [hostIPs, 10.0.0.0/8]']);
    expect(await problems('', { PODWARDEN_DRAIN_ALLOW_FROM: 'hostIPs,10.0.0.0/8,oops' }, {})).toEqual([
      'drain.allowFrom[2] (from PODWARDEN_DRAIN_ALLOW_FROM): "oops" is not an IPv4 or IPv6 address (10.0.0.7, fd00::7), a CIDR (10.0.0.0/8, fd00::/64) or "hostIPs"',
    ]);
  });

  it('hostIPs without PODWARDEN_HOST_IPS is a startup error that says how to fix it, not a silent allow-all or deny-all', async () => {
    const expected = [
      'drain.allowFrom[0]: "hostIPs" needs PODWARDEN_HOST_IPS (the node\'s addresses, comma-separated); set it from the downward API (fieldRef status.hostIPs), or list the addresses or CIDRs instead',
    ];
    expect(await problems('drain: { allowFrom: [hostIPs] }')).toEqual(expected);
    expect(await problems('drain: { allowFrom: [hostIPs] }', { PODWARDEN_HOST_IPS: ' ' })).toEqual(expected);
    expect(await problems('drain: { allowFrom: [hostIPs] }', { PODWARDEN_HOST_IPS: '10.0.0.1,$(HOST_IP)' })).toEqual([
      'drain.allowFrom[0] (from PODWARDEN_HOST_IPS): "$(HOST_IP)" is not an IP address; PODWARDEN_HOST_IPS must list addresses, comma-separated, e.g. 10.0.0.7,fd00::7',
    ]);
  });

  it('PODWARDEN_DRAIN_ALLOW_FROM and --drain-allow-from set the list, comma-separated', async () => {
    const fromEnv = await parseConfig('drain: { allowFrom: [10.0.0.1] }', { env: { PODWARDEN_DRAIN_ALLOW_FROM: ' 10.0.0.2 , fd00::/8,', PODWARDEN_HOST_IPS: '10.9.9.9' } });
    expect(fromEnv.drain.allowFrom).toEqual(['10.0.0.2', 'fd00::/8']);
    expect(fromEnv.drain.hostIPs).toBeUndefined();
    const fromFlag = await parseConfig('', { env: { PODWARDEN_DRAIN_ALLOW_FROM: '10.0.0.2', PODWARDEN_HOST_IPS: '10.9.9.9' }, overrides: { drainAllowFrom: 'hostIPs' } });
    expect(fromFlag.drain.allowFrom).toEqual(['hostIPs']);
    expect(fromFlag.drain.hostIPs).toEqual(['10.9.9.9']);
  });
});

describe('config: drain.appCheck and drain.stateFile', () => {
  it('appCheck must name a service of the config', async () => {
    expect((await parseConfig(`drain: { appCheck: app }\n${app}`, { env: {} })).drain.appCheck).toBe('app');
    expect(await problems(`drain: { appCheck: ap }\n${app}`)).toEqual([
      'drain.appCheck: "ap" is not a service in this config (did you mean "app"?); name the check of the app container, one of: app',
    ]);
    expect(await problems('drain: { appCheck: app }')).toEqual(['drain.appCheck: "app" is not a service in this config; name the check of the app container, one of: none (add one under services)']);
    expect(await problems(app, { PODWARDEN_DRAIN_APP_CHECK: 'web' })).toEqual([
      'drain.appCheck (from PODWARDEN_DRAIN_APP_CHECK): "web" is not a service in this config; name the check of the app container, one of: app',
    ]);
    expect(await problems(`drain: { appCheck: "bad name" }\n${app}`)).toEqual([expect.stringMatching(/^drain\.appCheck: "bad name" is not a valid name/)]);
  });

  it('stateFile is a path relative to the config file; unset by default', async () => {
    expect((await parseConfig('', { env: {} })).drain.stateFile).toBeUndefined();
    expect((await parseConfig('drain: { stateFile: state/drain }', { env: {}, file: '/etc/podwarden/podwarden.yaml' })).drain.stateFile).toBe('/etc/podwarden/state/drain');
    expect((await parseConfig('', { env: { PODWARDEN_DRAIN_STATE_FILE: '/run/podwarden/drain-state' } })).drain.stateFile).toBe('/run/podwarden/drain-state');
    expect(await problems('drain: { stateFile: "" }')).toEqual(['drain.stateFile: must not be empty; use a file path']);
  });
});
