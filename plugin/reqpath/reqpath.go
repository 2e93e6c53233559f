// Package reqpath finds the path a request will be forwarded with, so the gate decides
// paid or free on exactly what the upstream receives.
//
// Traefik's proxy does not forward req.URL.Path: it re-parses req.RequestURI
// (url.ParseRequestURI) and forwards that URL's Path and RawPath, i.e. the path as the
// client spelled it (pkg/proxy/httputil/proxy.go, directorBuilder, v3.6.12). Its
// sanitizePath option cleans Path and RawPath together and rewrites RequestURI, but it
// joins the *escaped* path, so "/a/b%2F..%2Fc" stays one segment on the wire while a
// decoded, cleaned Path reads "/a/c". The gate therefore reads RequestURI too, refuses
// every spelling that two reasonable readers could decode to different paths, and
// matches the rest on their one decoded meaning.
//
// Speed under Yaegi: the common path is two stdlib calls on RequestURI; only a path
// containing '%', '\\', ';', '#', a control character, an empty, "." or ".." segment or
// a trailing slash takes the slower check.
package reqpath

import (
	"net/url"
	"path"
	"strings"
)

// suspicious are the bytes whose presence sends a raw path to the full check.
const suspicious = "%\\;#"

// suspiciousOrCtl sends a raw path to the full check.
const suspiciousOrCtl = suspicious + ctl

// ctl are the control characters no decoded path may contain.
const ctl = "\x00\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f" +
	"\x10\x11\x12\x13\x14\x15\x16\x17\x18\x19\x1a\x1b\x1c\x1d\x1e\x1f\x7f"

// Forwarded returns the decoded path the upstream will receive for a request with this
// request-target (req.RequestURI; "" for requests built in code, then u is used), and
// a problem ("" when the path is unambiguous) describing why it is refused.
//
// The common path is two stdlib calls (the gate inlines them on its 402 path): one
// IndexAny finds the end of the path or a byte that needs a closer look, and
// path.Clean, which changes every path with an empty, "." or ".." segment or a
// trailing slash, sends those to the closer look too. Everything else is the same
// path the closer look would return unchanged.
func Forwarded(requestURI string, u *url.URL) (string, string) {
	raw := requestURI
	if raw == "" || raw[0] != '/' {
		return forwardedOther(raw, u)
	}
	if i := strings.IndexAny(raw, Stop); i >= 0 {
		if raw[i] != '?' {
			return Slow(raw)
		}
		raw = raw[:i]
	}
	if path.Clean(raw) != raw {
		return Slow(raw)
	}
	return raw, ""
}

// Stop are the bytes that end the common path: the query's '?', and the bytes whose
// presence in a path needs a closer look (percent-encoding, '\\', ';', '#', control
// characters). A path free of them that path.Clean leaves unchanged has no empty, "."
// or ".." segment, so Slow would return it as it is.
const Stop = "?" + suspicious + ctl

// Slow is the forwarded path of an origin-form request-target (query included or
// not) that left the common path: the path is checked in full when it holds a
// suspicious byte, a control character, "//" or "/.", else it is its own meaning.
// (Go's server refuses control characters in a request-target before Traefik sees
// it; a request rewritten in process could still carry one, and Check refuses it.)
func Slow(raw string) (string, string) {
	if i := strings.IndexByte(raw, '?'); i >= 0 {
		raw = raw[:i]
	}
	if strings.ContainsAny(raw, suspiciousOrCtl) || strings.Contains(raw, "//") || strings.Contains(raw, "/.") {
		return Check(raw)
	}
	return raw, ""
}

// forwardedOther handles an absolute-form request-target ("http://host/path"), which
// Traefik re-parses and forwards by its path, and requests without RequestURI.
func forwardedOther(requestURI string, u *url.URL) (string, string) {
	if requestURI == "" {
		if u == nil {
			return "", "the request has no path"
		}
		return checkEscaped(u.EscapedPath())
	}
	pu, err := url.ParseRequestURI(requestURI)
	if err != nil || pu.Scheme == "" || pu.Opaque != "" {
		return "", "the request-target is neither a path nor an absolute URL"
	}
	return checkEscaped(pu.EscapedPath())
}

func checkEscaped(raw string) (string, string) {
	if raw == "" {
		return "/", "" // an empty path goes upstream as "/"
	}
	return Check(raw)
}

// Check decodes a raw (still percent-encoded) path and returns it, or a problem when
// its spelling is ambiguous: readers that decode once, twice, segment by segment,
// treat '\\' as '/', strip ";params" or resolve dot segments would disagree on it.
func Check(raw string) (string, string) {
	if raw == "" || raw[0] != '/' {
		return "", "the path does not start with '/'"
	}
	if strings.ContainsAny(raw, "\\;#") || strings.ContainsAny(raw, ctl) {
		return "", "the path contains '\\', ';', '#' or a control character"
	}
	dec := raw
	if strings.IndexByte(raw, '%') >= 0 {
		lower := strings.ToLower(raw)
		if strings.Contains(lower, "%2f") || strings.Contains(lower, "%5c") {
			return "", "the path contains an encoded '/' or '\\' (%2F, %5C)"
		}
		if strings.Contains(lower, "%25") {
			return "", "the path contains an encoded '%' (%25, double encoding)"
		}
		if strings.Contains(lower, "%3b") || strings.Contains(lower, "%3f") || strings.Contains(lower, "%23") {
			return "", "the path contains an encoded ';', '?' or '#' (%3B, %3F, %23)"
		}
		d, err := url.PathUnescape(raw)
		if err != nil {
			return "", "the path has invalid percent-encoding"
		}
		if strings.ContainsAny(d, ctl) {
			return "", "the path contains an encoded control character (%00-%1F, %7F)"
		}
		dec = d
	}
	if strings.Contains(dec, "//") {
		return "", "the path contains an empty segment ('//')"
	}
	if strings.Contains(dec+"/", "/./") || strings.Contains(dec+"/", "/../") {
		return "", "the path contains a '.' or '..' segment (possibly percent-encoded)"
	}
	return dec, ""
}

// Message is the text of a refusal: what was wrong and what to send instead.
func Message(problem string) string {
	return problem + "; the gate refuses path spellings the upstream could read differently from the gate. " +
		"Send the plain path: no encoded '/', '\\', '%', ';', '?', '#' or control characters, no '.'/'..' or empty segments"
}
