package main

import (
	"crypto/tls"
	"fmt"
	"log/slog"
	"slices"
	"strings"

	"github.com/kmipwire/kmipwire/kmipclient"
)

// tlsVersion reads -tls-min-version.
func tlsVersion(s string) (uint16, error) {
	switch strings.TrimPrefix(strings.ToLower(s), "tls") {
	case "1.0", "10":
		return tls.VersionTLS10, nil
	case "1.1", "11":
		return tls.VersionTLS11, nil
	case "1.2", "12":
		return tls.VersionTLS12, nil
	case "1.3", "13":
		return tls.VersionTLS13, nil
	}
	return 0, fmt.Errorf("%q: want 1.0, 1.1, 1.2 or 1.3", s)
}

// cipherSuites reads -tls-ciphers: Go's names of cipher suites (secure
// and insecure ones), comma-separated, as kmipclient reads them; nil for
// an empty list. TLS 1.3's suites are refused: Go does not configure them.
func cipherSuites(list string) ([]uint16, error) {
	ids, err := kmipclient.ParseCipherSuites(list)
	if err != nil {
		return nil, err
	}
	for _, id := range ids {
		for _, cs := range tls.CipherSuites() {
			if cs.ID == id && slices.Equal(cs.SupportedVersions, []uint16{tls.VersionTLS13}) {
				return nil, fmt.Errorf("%s is a TLS 1.3 suite: those are not configurable", cs.Name)
			}
		}
	}
	return ids, nil
}

// logTLS logs what the TLS configuration accepts, nothing in plaintext.
func logTLS(log *slog.Logger, tc *tls.Config) {
	if tc == nil {
		return
	}
	suites := "Go's defaults"
	if len(tc.CipherSuites) > 0 {
		names := make([]string, len(tc.CipherSuites))
		for i, id := range tc.CipherSuites {
			names[i] = tls.CipherSuiteName(id)
		}
		suites = strings.Join(names, ",")
	}
	maxV := uint16(tls.VersionTLS13)
	if tc.MaxVersion != 0 {
		maxV = tc.MaxVersion
	}
	log.Info("TLS accepts", "min_version", tls.VersionName(tc.MinVersion), "max_version", tls.VersionName(maxV),
		"tls12_cipher_suites", suites, "tls13_cipher_suites", "Go's (not configurable)")
	if tc.MinVersion < tls.VersionTLS12 || len(tc.CipherSuites) > 0 {
		log.Warn("TLS settings for legacy clients are weaker than the defaults (-tls-min-version 1.2, Go's cipher suites)")
	}
}
