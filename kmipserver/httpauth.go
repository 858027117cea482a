package kmipserver

import (
	"crypto/sha256"
	"net/http"
	"strings"
)

// tokenTable holds the bearer tokens of EndpointConfig.BearerTokens by
// their SHA-256 digest: a lookup hashes the presented token first, so
// that how long it takes tells nothing of how much of a token was right.
type tokenTable map[[sha256.Size]byte]string

func newTokenTable(tokens map[string]string) tokenTable {
	if tokens == nil {
		return nil
	}
	t := make(tokenTable, len(tokens))
	for tok, id := range tokens {
		t[sha256.Sum256([]byte(tok))] = id
	}
	return t
}

// authenticate checks an HTTP request against the bearer tokens: it
// returns the token's identity, "" for a request that needs none (no
// tokens configured, or a verified client certificate and no token), or
// false after answering 401 Unauthorized.
func (s *Endpoint) authenticate(w http.ResponseWriter, r *http.Request) (string, bool) {
	if s.tokens == nil {
		return "", true
	}
	h := r.Header.Get("Authorization")
	scheme, tok, _ := strings.Cut(h, " ")
	if h == "" && r.TLS != nil && len(r.TLS.VerifiedChains) > 0 {
		return "", true
	}
	if strings.EqualFold(scheme, "Bearer") && tok != "" {
		if id, ok := s.tokens[sha256.Sum256([]byte(strings.TrimSpace(tok)))]; ok {
			return id, true
		}
	}
	s.log.Info("HTTP request refused: no valid bearer token", "remote", r.RemoteAddr, "path", r.URL.Path)
	w.Header().Set("WWW-Authenticate", `Bearer realm="kmip"`)
	http.Error(w, "unauthorized: a valid bearer token or client certificate is required", http.StatusUnauthorized)
	return "", false
}
