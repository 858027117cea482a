// Package boltstore keeps a kmipserver's objects in an embedded,
// transactional key-value file (go.etcd.io/bbolt: one file, B+tree pages,
// copy-on-write transactions made durable by fsync at commit, no server
// to run). kmipd -data DIR uses it.
//
// Commits that arrive while one is being written are written together in
// the next transaction (group commit): one fsync serves every connection
// that waited, so that many clients creating objects at once do not queue
// an fsync each, and a lone client waits for its own fsync only.
package boltstore

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"

	"github.com/kmipwire/kmipwire/kmipserver"
)

// FileName is the store's file in the directory given to Open.
const FileName = "kmip.db"

var bucket = []byte("objects")

// Store is a kmipserver.Store in a bbolt file. Its methods are safe for
// concurrent use.
type Store struct {
	db *bolt.DB

	mu      sync.Mutex
	pending []*commit
	writing bool
}

type commit struct {
	recs []kmipserver.Record
	done chan error
}

// Open opens (creating if needed) the store in dir, itself created if
// needed. Another process holding it makes Open fail after a second.
func Open(dir string) (*Store, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("boltstore: %w", err)
	}
	path := filepath.Join(dir, FileName)
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		return nil, fmt.Errorf("boltstore: opening %s: %w", path, err)
	}
	if err := db.Update(func(tx *bolt.Tx) error {
		_, err := tx.CreateBucketIfNotExists(bucket)
		return err
	}); err != nil {
		db.Close()
		return nil, fmt.Errorf("boltstore: %s: %w", path, err)
	}
	return &Store{db: db}, nil
}

// Load calls fn for every record in the store.
func (s *Store) Load(fn func(kmipserver.Record) error) error {
	return s.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucket).ForEach(func(k, v []byte) error {
			if len(v) < 8 {
				return fmt.Errorf("boltstore: record %q: %d bytes, too short", k, len(v))
			}
			return fn(kmipserver.Record{ID: string(k), Version: binary.BigEndian.Uint64(v), Data: v[8:]})
		})
	})
}

// Commit writes the records in one transaction with those of the
// concurrent Commits, and returns once it is on disk. Of two records of an
// object the one of the higher Version is kept.
func (s *Store) Commit(recs []kmipserver.Record) error {
	c := &commit{recs: recs, done: make(chan error, 1)}
	s.mu.Lock()
	s.pending = append(s.pending, c)
	if s.writing {
		s.mu.Unlock()
		return <-c.done
	}
	s.writing = true
	for len(s.pending) > 0 {
		group := s.pending
		s.pending = nil
		s.mu.Unlock()
		err := s.write(group)
		for _, g := range group {
			g.done <- err
		}
		s.mu.Lock()
	}
	s.writing = false
	s.mu.Unlock()
	return <-c.done
}

// write stores a group of commits in one transaction.
func (s *Store) write(group []*commit) error {
	err := s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucket)
		var val []byte
		for _, c := range group {
			for _, r := range c.recs {
				key := []byte(r.ID)
				if old := b.Get(key); len(old) >= 8 && binary.BigEndian.Uint64(old) > r.Version {
					continue // a later state was stored already
				}
				if r.Data == nil {
					if err := b.Delete(key); err != nil {
						return err
					}
					continue
				}
				val = binary.BigEndian.AppendUint64(val[:0], r.Version)
				val = append(val, r.Data...)
				if err := b.Put(key, bytes.Clone(val)); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("boltstore: commit: %w", err)
	}
	return nil
}

// Close closes the file.
func (s *Store) Close() error {
	if err := s.db.Close(); err != nil && !errors.Is(err, bolterrors.ErrDatabaseNotOpen) {
		return fmt.Errorf("boltstore: %w", err)
	}
	return nil
}
