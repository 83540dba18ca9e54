package httpapi

import (
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// ClientAddr is clientAddr, for the console's sign-in rate limit.
func ClientAddr(r *http.Request) string { return clientAddr(r) }

// clientAddr returns the address the public pages' rate limit counts a
// request against.
//
// serve speaks plain HTTP, so in production it sits behind a reverse proxy
// and every request's direct peer is the proxy. When that peer is a
// loopback or private address (RFC 1918, RFC 4193 fc00::/7), the client is
// the right-most address of X-Forwarded-For that is not itself loopback or
// private: the one the proxy appended (addresses to its left came from the
// client and may be forged; private ones to its right are further proxies
// of ours). When the peer is a public address, or the header holds no such
// address, it is the peer itself and the header is ignored, so a client on
// the internet cannot choose the key it is counted under.
//
// An IPv6 client is counted by its /64: one subscriber line gets a whole
// /64 (often more), so counting single addresses would give one client
// 2^64 keys, each with a fresh burst.
func clientAddr(r *http.Request) string {
	peer := remoteHost(r)
	ip, err := netip.ParseAddr(peer)
	if err != nil {
		return peer
	}
	if internalAddr(ip) {
		if fwd, ok := forwardedClient(r.Header.Values("X-Forwarded-For")); ok {
			ip = fwd
		}
	}
	return limitKey(ip)
}

// limitKey is the rate-limit key of ip: an IPv4 address itself (IPv4
// mapped into IPv6 included), an IPv6 address's /64.
func limitKey(ip netip.Addr) string {
	ip = ip.Unmap().WithZone("")
	if ip.Is4() {
		return ip.String()
	}
	return netip.PrefixFrom(ip, 64).Masked().String()
}

// forwardedClient walks X-Forwarded-For from the right, past loopback and
// private addresses, to the first public one. An entry that is not an
// address ("unknown", garbage) ends the walk: what lies to its left cannot
// be trusted.
func forwardedClient(values []string) (netip.Addr, bool) {
	var hops []string
	for _, v := range values {
		hops = append(hops, strings.Split(v, ",")...)
	}
	for i := len(hops) - 1; i >= 0; i-- {
		ip, ok := parseHop(hops[i])
		if !ok {
			return netip.Addr{}, false
		}
		if !internalAddr(ip) {
			return ip, true
		}
	}
	return netip.Addr{}, false
}

// parseHop parses one X-Forwarded-For entry: an address, possibly with a
// port ("192.0.2.1:4711", "[2001:db8::1]:4711") or brackets.
func parseHop(s string) (netip.Addr, bool) {
	s = strings.TrimSpace(s)
	if host, _, err := net.SplitHostPort(s); err == nil {
		s = host
	}
	ip, err := netip.ParseAddr(strings.TrimSuffix(strings.TrimPrefix(s, "["), "]"))
	if err != nil {
		return netip.Addr{}, false
	}
	return ip.Unmap().WithZone(""), true
}

// internalAddr reports whether ip is loopback or private: where a reverse
// proxy of ours would connect from.
func internalAddr(ip netip.Addr) bool {
	ip = ip.Unmap()
	return ip.IsLoopback() || ip.IsPrivate()
}

// remoteHost returns the host part of the request's remote address.
func remoteHost(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
