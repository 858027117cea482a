package main

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"log/slog"

	"github.com/kmipwire/kmipwire/kmipserver"
)

// caConfig loads -ca-cert and -ca-key into cfg.CA: the certificate
// authority that signs the certificates of Certify and Re-certify (KMIP
// 2.1 §6.1.6, §6.1.45). Without them the server makes its own, in memory,
// so that what it issues no longer verifies after a restart; with -data
// that is worth a CA of one's own.
func caConfig(log *slog.Logger, o *options, cfg *kmipserver.Config) error {
	if o.caCert == "" {
		if o.dataDir != "" {
			log.Info("Certify signs with a CA made at start (-ca-cert/-ca-key name one that outlives a restart)")
		}
		return nil
	}
	pair, err := tls.LoadX509KeyPair(o.caCert, o.caKey)
	if err != nil {
		return fmt.Errorf("-ca-cert/-ca-key: %w", err)
	}
	leaf, err := x509.ParseCertificate(pair.Certificate[0])
	if err != nil {
		return fmt.Errorf("-ca-cert: %w", err)
	}
	if !leaf.IsCA {
		return fmt.Errorf("-ca-cert %s: not a CA certificate (no Basic Constraints CA)", o.caCert)
	}
	pair.Leaf = leaf
	cfg.CA = &pair
	log.Info("Certify signs with the given CA", "subject", leaf.Subject.String())
	return nil
}
