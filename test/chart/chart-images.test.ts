/**
 * Images: global.imageRegistry on every image the chart renders, digests, and the pull
 * secrets of the pods, the helm test pod included.
 */
import { describe, expect, it } from 'vitest';
import type { IDeployment } from 'kubernetes-models/apps/v1';
import type { IPod } from 'kubernetes-models/v1';
import { type RenderOptions, one, podSpecOf, render, renderError } from './support.js';

/** The images of the app, podwarden, the helm test pod and the extra containers, by container name. */
function images(options: RenderOptions = {}): Record<string, string | undefined> {
  const { docs } = render(options);
  const spec = podSpecOf(one<IDeployment>(docs, 'Deployment'));
  const all = [...(spec.initContainers ?? []), ...spec.containers, ...(one<IPod>(docs, 'Pod').spec?.containers ?? [])];
  return Object.fromEntries(all.map((c) => [c.name, c.image]));
}

describe('global.imageRegistry', () => {
  it('is not set by default: the repositories as written', () => {
    expect(images()).toEqual({ podwarden: 'ghcr.io/podwarden/podwarden:0.2.0', app: 'nginxinc/nginx-unprivileged:1.27-alpine', metrics: 'busybox:1.36' });
  });

  it("replaces each image's registry host, or goes in front of a repository without one; extra containers stay as written", () => {
    expect(images({ valuesFiles: ['pod-extras-values.yaml'] })).toEqual({
      prepare: 'registry.example.com/busybox:1.36',
      podwarden: 'registry.example.com/podwarden/podwarden:0.2.0',
      app: 'registry.example.com/nginxinc/nginx-unprivileged:1.27-alpine',
      'log-shipper': 'registry.example.com/busybox:1.36',
      metrics: 'registry.example.com/busybox@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef',
    });
  });

  it('reads a host with a port, localhost, and a registry with a path of its own as Docker does', () => {
    const set = { 'global.imageRegistry': 'mirror.example.com:5000/hub', 'app.image.repository': 'localhost/shop', 'sidecar.image.repository': 'registry.local:5000/team/podwarden', 'tests.image.repository': 'library/busybox' };
    expect(images({ set })).toEqual({
      podwarden: 'mirror.example.com:5000/hub/team/podwarden:0.2.0',
      app: 'mirror.example.com:5000/hub/shop:1.27-alpine',
      metrics: 'mirror.example.com:5000/hub/library/busybox:1.36',
    });
  });

  it('keeps a digest, which wins over the tag', () => {
    const digest = `sha256:${'a'.repeat(64)}`;
    expect(images({ set: { 'global.imageRegistry': 'registry.example.com', 'sidecar.image.digest': digest } }).podwarden).toBe(`registry.example.com/podwarden/podwarden@${digest}`);
  });

  it('leaves other globals alone (they belong to other charts), but refuses a registry with spaces', () => {
    expect(images({ set: { 'global.storageClass': 'fast' } }).app).toBe('nginxinc/nginx-unprivileged:1.27-alpine');
    expect(renderError({ set: { 'global.imageRegistry': 'my registry' } })).toMatch(/at '\/global\/imageRegistry': 'my registry' does not match pattern/);
  });
});

describe('the helm test pod', () => {
  it('takes tests.image.digest', () => {
    const digest = `sha256:${'b'.repeat(64)}`;
    expect(images({ set: { 'tests.image.digest': digest } }).metrics).toBe(`busybox@${digest}`);
  });

  it('pulls with the pods\' imagePullSecrets', () => {
    const { docs } = render({ valuesFiles: ['pod-extras-values.yaml'] });
    const secrets = [{ name: 'registry-credentials' }];
    expect(one<IPod>(docs, 'Pod').spec?.imagePullSecrets).toEqual(secrets);
    expect(podSpecOf(one<IDeployment>(docs, 'Deployment')).imagePullSecrets).toEqual(secrets);
    expect(one<IPod>(render().docs, 'Pod').spec?.imagePullSecrets).toBeUndefined();
  });
});
