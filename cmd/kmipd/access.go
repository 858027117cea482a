package main

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"log/slog"
	"os"
	"strings"

	"github.com/kmipwire/kmipwire/kmipserver"
)

// Access control: with client authentication (-client-ca, -tokens) each
// object is owned by the identity that created it and only its owner, the
// identities it granted and the -admin identities use it; without any,
// every client may use every object, and kmipd says so at start.

// minTokenLen is the shortest bearer token -tokens accepts: 16 bytes of
// text leave no room for guessing.
const minTokenLen = 16

// readLines calls fn with the fields of each line of the file that is not
// blank or a comment (#): the first field, and the rest of the line.
func readLines(path string, fn func(n int, first, rest string) error) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || line[0] == '#' {
			continue
		}
		first, rest := line, ""
		if i := strings.IndexAny(line, " \t"); i >= 0 {
			first, rest = line[:i], line[i+1:]
		}
		if err := fn(n, first, strings.TrimSpace(rest)); err != nil {
			return fmt.Errorf("%s:%d: %w", path, n, err)
		}
	}
	return sc.Err()
}

// readTokens reads a -tokens file: lines "IDENTITY TOKEN".
func readTokens(path string) (map[string]string, error) {
	tokens := map[string]string{}
	err := readLines(path, func(_ int, identity, token string) error {
		switch {
		case token == "":
			return fmt.Errorf("want IDENTITY TOKEN")
		case strings.ContainsAny(token, " \t"):
			return fmt.Errorf("token of %s holds a space", identity)
		case len(token) < minTokenLen:
			return fmt.Errorf("token of %s is shorter than %d bytes", identity, minTokenLen)
		}
		if other, dup := tokens[token]; dup {
			return fmt.Errorf("token of %s is also %s's", identity, other)
		}
		tokens[token] = identity
		return nil
	})
	if err == nil && len(tokens) == 0 {
		err = fmt.Errorf("%s: no tokens", path)
	}
	return tokens, err
}

// identityMap names the clients of certificates (an -identities file):
// by the certificate's SHA-256 digest, its Subject or its Common Name.
type identityMap struct {
	bySHA256  map[[sha256.Size]byte]string
	bySubject map[string]string
	byCN      map[string]string
}

// readIdentities reads an -identities file: lines "IDENTITY SELECTOR",
// the selector sha256:HEX (the certificate's digest), subject:DN (its
// Subject as RFC 2253 prints it, CN=alice,O=Example) or cn:NAME.
func readIdentities(path string) (*identityMap, error) {
	m := &identityMap{bySHA256: map[[sha256.Size]byte]string{}, bySubject: map[string]string{}, byCN: map[string]string{}}
	err := readLines(path, func(_ int, identity, sel string) error {
		kind, val, ok := strings.Cut(sel, ":")
		if !ok || val == "" {
			return fmt.Errorf("want IDENTITY sha256:HEX, subject:DN or cn:NAME")
		}
		switch strings.ToLower(kind) {
		case "sha256":
			d, err := hex.DecodeString(strings.ReplaceAll(val, ":", ""))
			if err != nil || len(d) != sha256.Size {
				return fmt.Errorf("sha256:%s is not 64 hex digits", val)
			}
			m.bySHA256[[sha256.Size]byte(d)] = identity
		case "subject":
			m.bySubject[val] = identity
		case "cn":
			m.byCN[val] = identity
		default:
			return fmt.Errorf("selector %q: want sha256:HEX, subject:DN or cn:NAME", kind+":")
		}
		return nil
	})
	return m, err
}

// identify is the Identify of kmipd: a bearer token's identity, else the
// identity the map gives the verified client certificate (its digest
// first, then its Subject, then its Common Name), else
// kmipserver.CertificateIdentity.
func (m *identityMap) identify(p kmipserver.Peer) string {
	if p.Identity != "" {
		return p.Identity
	}
	if p.TLS == nil || len(p.TLS.VerifiedChains) == 0 || len(p.TLS.VerifiedChains[0]) == 0 {
		return ""
	}
	c := p.TLS.VerifiedChains[0][0]
	if id, ok := m.bySHA256[sha256.Sum256(c.Raw)]; ok {
		return id
	}
	if id, ok := m.bySubject[c.Subject.String()]; ok {
		return id
	}
	if id, ok := m.byCN[c.Subject.CommonName]; ok {
		return id
	}
	return kmipserver.CertificateIdentity(p)
}

// accessConfig reads -tokens and -identities into cfg and turns access
// control on when clients authenticate; it logs what clients may do.
func accessConfig(log *slog.Logger, o *options, cfg *kmipserver.Config) error {
	if o.identitiesFile != "" {
		m, err := readIdentities(o.identitiesFile)
		if err != nil {
			return fmt.Errorf("-identities: %w", err)
		}
		cfg.Identify = m.identify
	}
	if o.tokensFile != "" {
		t, err := readTokens(o.tokensFile)
		if err != nil {
			return fmt.Errorf("-tokens: %w", err)
		}
		o.tc.BearerTokens = t
	}
	var admins []string
	for a := range strings.SplitSeq(o.admins, ",") {
		if a = strings.TrimSpace(a); a != "" {
			admins = append(admins, a)
		}
	}
	mutual := o.tc.ClientCAFile != "" || o.tc.TLS != nil && o.tc.TLS.ClientCAs != nil
	if !mutual && o.tc.BearerTokens == nil {
		log.Warn("no client authentication (-client-ca, -tokens): anyone who reaches kmipd has full access to every object")
		if len(admins) > 0 || o.identitiesFile != "" {
			return fmt.Errorf("%w: -admin and -identities need client authentication (-client-ca or -tokens)", errUsage)
		}
		return nil
	}
	cfg.Access = &kmipserver.AccessControl{Admins: admins}
	log.Info("access control: each object is its creator's", "admins", admins,
		"client_certificates", mutual, "bearer_tokens", len(o.tc.BearerTokens))
	if !mutual && o.tc.Addr != "-" {
		log.Warn("the binary transport has no client authentication (-client-ca): its clients are anonymous and may only Query and Discover Versions")
	}
	return nil
}
