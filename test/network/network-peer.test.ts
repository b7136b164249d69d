import { describe, expect, test } from 'vitest';
import { NetworkPeer } from '../../src';

describe('NetworkPeer', () => {
  test('renders Kubernetes NetworkPolicy peers', () => {
    expect(NetworkPeer.sameNamespace()._toKube()).toEqual({ podSelector: {} });
    expect(NetworkPeer.allNamespaces()._toKube()).toEqual({ namespaceSelector: {} });
    expect(NetworkPeer.inNamespace('ingress-nginx')._toKube()).toEqual({
      namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ingress-nginx' } }, podSelector: {},
    });
    expect(NetworkPeer.podsInNamespace('monitoring', { 'app.kubernetes.io/name': 'prometheus' })._toKube()).toEqual({
      namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } },
      podSelector: { matchLabels: { 'app.kubernetes.io/name': 'prometheus' } },
    });
    expect(NetworkPeer.pods({ app: 'proxy' })._toKube()).toEqual({ podSelector: { matchLabels: { app: 'proxy' } } });
    expect(NetworkPeer.cidr('10.0.0.0/8')._toKube()).toEqual({ ipBlock: { cidr: '10.0.0.0/8' } });
    expect(NetworkPeer.cidr('2001:db8::/64')._toKube()).toEqual({ ipBlock: { cidr: '2001:db8::/64' } });
    expect(NetworkPeer.cidr('::/0')._toKube()).toEqual({ ipBlock: { cidr: '::/0' } });
    expect(NetworkPeer.cidr('fe80:0:0:0:0:0:0:1/128')._toKube()).toEqual({ ipBlock: { cidr: 'fe80:0:0:0:0:0:0:1/128' } });
  });

  test('a bad CIDR', () => {
    expect(() => NetworkPeer.cidr('192.0.2.0')).toThrow(
      "'NetworkPeer.cidr' must be a CIDR block (an address and a prefix length), got '192.0.2.0': "
      + "write e.g. '10.0.0.0/16', '203.0.113.7/32' for one address, or '2001:db8::/64'");
    expect(() => NetworkPeer.cidr('1:2:3:4:5:6:7/64')).toThrow("'NetworkPeer.cidr' must be a CIDR block");
  });

  test('a bad namespace name', () => {
    expect(() => NetworkPeer.inNamespace('Ingress_Nginx')).toThrow(
      "'NetworkPeer.inNamespace' must be a namespace name (lower-case letters, digits and '-', at most 63), got 'Ingress_Nginx'");
    expect(() => NetworkPeer.podsInNamespace('', {})).toThrow(
      "'NetworkPeer.podsInNamespace' must be a namespace name (lower-case letters, digits and '-', at most 63), got ''");
  });
});
