import * as kplus from 'cdk8s-plus-28';
import { checkLabelMap } from '../utils/k8s-values';

/** The label Kubernetes puts on every namespace, holding its name. */
const NAMESPACE_NAME_LABEL = 'kubernetes.io/metadata.name';

/**
 * The other side of a connection an Airflow pod accepts or opens: pods (by namespace and labels) or addresses
 * (a CIDR block).
 */
export class NetworkPeer {
  /**
   * Every pod in the namespace of the deployment.
   */
  public static sameNamespace(): NetworkPeer {
    return new NetworkPeer({ podSelector: {} });
  }

  /**
   * Every pod of every namespace of the cluster (not addresses outside the cluster's pod network).
   */
  public static allNamespaces(): NetworkPeer {
    return new NetworkPeer({ namespaceSelector: {} });
  }

  /**
   * Every pod in the namespace named, e.g. the ingress controller's `ingress-nginx`.
   */
  public static inNamespace(name: string): NetworkPeer {
    checkLabelValue(name, 'NetworkPeer.inNamespace');
    return new NetworkPeer({ namespaceSelector: { matchLabels: { [NAMESPACE_NAME_LABEL]: name } }, podSelector: {} });
  }

  /**
   * Pods with these labels in the namespace named, e.g. `('ingress-nginx', { 'app.kubernetes.io/name': 'ingress-nginx' })`.
   */
  public static podsInNamespace(namespaceName: string, podLabels: { [key: string]: string }): NetworkPeer {
    checkLabelValue(namespaceName, 'NetworkPeer.podsInNamespace');
    checkLabelMap(podLabels, 'NetworkPeer.podsInNamespace podLabels');
    return new NetworkPeer({
      namespaceSelector: { matchLabels: { [NAMESPACE_NAME_LABEL]: namespaceName } },
      podSelector: { matchLabels: { ...podLabels } },
    });
  }

  /**
   * Pods with these labels in the namespace of the deployment.
   */
  public static pods(podLabels: { [key: string]: string }): NetworkPeer {
    checkLabelMap(podLabels, 'NetworkPeer.pods podLabels');
    return new NetworkPeer({ podSelector: { matchLabels: { ...podLabels } } });
  }

  /**
   * Addresses in a CIDR block, e.g. a load balancer's subnet `'10.0.0.0/16'` or `'2001:db8::/64'`.
   */
  public static cidr(cidr: string): NetworkPeer {
    checkCidr(cidr, 'NetworkPeer.cidr');
    return new NetworkPeer({ ipBlock: { cidr } });
  }

  private constructor(private readonly peer: kplus.k8s.NetworkPolicyPeer) {}

  /** @internal */
  public _toKube(): kplus.k8s.NetworkPolicyPeer {
    return this.peer;
  }
}

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}\/(3[0-2]|[12]?\d)$/;

/**
 * Checks an IPv4 (`10.0.0.0/16`) or IPv6 (`2001:db8::/64`) CIDR block.
 *
 * @param prop where the value was written, for the error message.
 * @internal
 */
export function checkCidr(cidr: string, prop: string): void {
  if (!IPV4.test(cidr) && !isIpv6Cidr(cidr)) {
    throw new Error(`'${prop}' must be a CIDR block (an address and a prefix length), got '${cidr}': `
      + "write e.g. '10.0.0.0/16', '203.0.113.7/32' for one address, or '2001:db8::/64'");
  }
}

function isIpv6Cidr(cidr: string): boolean {
  const match = /^([0-9A-Fa-f:]+)\/(\d{1,3})$/.exec(cidr);
  if (!match || Number(match[2]) > 128) return false;
  const address = match[1];
  const halves = address.split('::');
  if (halves.length > 2) return false;
  const groups = halves.flatMap(h => (h === '' ? [] : h.split(':')));
  if (!groups.every(g => /^[0-9A-Fa-f]{1,4}$/.test(g))) return false;
  return halves.length === 2 ? groups.length < 8 : groups.length === 8;
}

/**
 * Checks a port number (1-65535).
 *
 * @internal
 */
export function checkPort(port: number, prop: string): void {
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new Error(`'${prop}' must hold port numbers from 1 to 65535, got ${port}`);
  }
}

function checkLabelValue(name: string, prop: string): void {
  if (!/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(name)) {
    throw new Error(`'${prop}' must be a namespace name (lower-case letters, digits and '-', at most 63), got '${name}'`);
  }
}
