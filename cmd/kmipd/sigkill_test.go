package main

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"fmt"
	"net"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kmipwire/kmipwire/ttlv"
)

// buildKmipd builds the binary into dir.
func buildKmipd(dir string) (string, error) {
	bin := filepath.Join(dir, "kmipd")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build: %v\n%s", err, out)
	}
	return bin, nil
}

// startBinary runs the built kmipd with -data dir on a loopback port and
// returns the process and its binary address.
func startBinary(t *testing.T, bin, dir string) (*exec.Cmd, string, *syncBuffer) {
	t.Helper()
	cmd := exec.Command(bin, "-addr", "127.0.0.1:0", "-http", "", "-plaintext", "-data", dir)
	stderr := &syncBuffer{}
	cmd.Stderr = stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(stdout)
	if !sc.Scan() {
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatalf("kmipd printed no address:\n%s", stderr.String())
	}
	f := strings.Fields(sc.Text())
	if len(f) != 3 || f[0] != "binary" {
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatalf("unexpected line %q", sc.Text())
	}
	return cmd, f[2], stderr
}

func killRequest(items ...ttlv.Value) []byte {
	m := ttlv.Structure(ttlv.TagRequestMessage, append([]ttlv.Value{ttlv.Structure(ttlv.TagRequestHeader,
		ttlv.Structure(ttlv.TagProtocolVersion, ttlv.Integer(ttlv.TagProtocolVersionMajor, 2),
			ttlv.Integer(ttlv.TagProtocolVersionMinor, 1)),
		ttlv.Integer(ttlv.TagBatchCount, int32(len(items))))}, items...)...)
	return ttlv.Marshal(&m)
}

func killItem(op uint32, payload ...ttlv.Value) ttlv.Value {
	return ttlv.Structure(ttlv.TagBatchItem, ttlv.Enumeration(ttlv.TagOperation, op),
		ttlv.Structure(ttlv.TagRequestPayload, payload...))
}

// registerAES is a Register of the AES-256 key k.
func registerAES(k []byte) ttlv.Value {
	return killItem(0x03, ttlv.Enumeration(ttlv.TagObjectType, 0x02), ttlv.Structure(ttlv.TagAttributes,
		ttlv.Integer(ttlv.TagCryptographicUsageMask, 0x04|0x08)),
		ttlv.Structure(ttlv.TagSymmetricKey, ttlv.Structure(ttlv.TagKeyBlock,
			ttlv.Enumeration(ttlv.TagKeyFormatType, 0x01),
			ttlv.Structure(ttlv.TagKeyValue, ttlv.ByteString(ttlv.TagKeyMaterial, k)),
			ttlv.Enumeration(ttlv.TagCryptographicAlgorithm, 0x03),
			ttlv.Integer(ttlv.TagCryptographicLength, 256))))
}

// answer sends req and returns the first batch item of the answer; an
// error when the connection failed (the request is then unanswered).
func answer(c net.Conn, req []byte) (ttlv.Value, error) {
	c.SetDeadline(time.Now().Add(10 * time.Second))
	resp, err := roundTrip(c, req)
	if err != nil {
		return ttlv.Value{}, err
	}
	var m ttlv.Value
	if err := ttlv.Unmarshal(resp, &m); err != nil {
		return ttlv.Value{}, err
	}
	it := m.Child(ttlv.TagBatchItem)
	if it == nil {
		return ttlv.Value{}, fmt.Errorf("no batch item")
	}
	return it.Clone(), nil
}

func succeededItem(it ttlv.Value) bool {
	s := it.Child(ttlv.TagResultStatus)
	return s != nil && s.Num == 0
}

// kmipd killed with SIGKILL in the middle of a Register/Create/Destroy load
// loses nothing it answered: after a restart on the same -data directory
// every object whose Register was answered is there with its key material,
// every answered Create is there, and every answered Destroy applied.
func TestSIGKILLLosesNothingAnswered(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin, err := buildKmipd(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	cmd, addr, stderr := startBinary(t, bin, dir)
	defer cmd.Process.Kill()

	type acked struct {
		id         string
		key        []byte // nil for a Create
		destroyed  bool   // its Destroy was answered
		destroying bool   // its Destroy was sent: applied or not, if unanswered
	}
	const workers = 4
	var mu sync.Mutex
	var all []acked
	var answered, unanswered int
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, err := net.Dial("tcp", addr)
			if err != nil {
				t.Error(err)
				return
			}
			defer c.Close()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				var a acked
				var req []byte
				switch {
				case i%3 == 2: // Destroy one of this worker's objects
					mu.Lock()
					var target *acked
					for j := len(all) - 1; j >= 0; j-- {
						if all[j].id != "" && !all[j].destroying && (j%workers) == w {
							target = &all[j]
							break
						}
					}
					var id string
					if target != nil {
						id = target.id
						target.destroying = true
					}
					mu.Unlock()
					if id == "" {
						continue
					}
					it, err := answer(c, killRequest(killItem(0x14, ttlv.TextString(ttlv.TagUniqueIdentifier, id))))
					if err != nil {
						return // killed: this Destroy is unanswered, either outcome is right
					}
					if !succeededItem(it) {
						t.Errorf("Destroy %s failed: %s", id, it.String())
						return
					}
					mu.Lock()
					for j := range all {
						if all[j].id == id {
							all[j].destroyed = true
						}
					}
					answered++
					mu.Unlock()
					continue
				case i%2 == 0:
					a.key = make([]byte, 32)
					rand.Read(a.key)
					req = killRequest(registerAES(a.key))
				default:
					req = killRequest(killItem(0x01, ttlv.Enumeration(ttlv.TagObjectType, 0x02), ttlv.Structure(ttlv.TagAttributes,
						ttlv.Enumeration(ttlv.TagCryptographicAlgorithm, 0x03), ttlv.Integer(ttlv.TagCryptographicLength, 128))))
				}
				it, err := answer(c, req)
				if err != nil {
					mu.Lock()
					unanswered++
					mu.Unlock()
					return
				}
				if !succeededItem(it) {
					t.Errorf("request failed: %s", it.String())
					return
				}
				a.id = it.Child(ttlv.TagResponsePayload).Child(ttlv.TagUniqueIdentifier).Text()
				mu.Lock()
				// all[j] belongs to worker j%workers for Destroy: pad to keep it so.
				for len(all)%workers != w {
					all = append(all, acked{})
				}
				all = append(all, a)
				answered++
				mu.Unlock()
			}
		}()
	}
	time.Sleep(1500 * time.Millisecond)
	if err := cmd.Process.Kill(); err != nil { // SIGKILL
		t.Fatal(err)
	}
	cmd.Wait()
	close(stop)
	wg.Wait()
	if t.Failed() {
		t.Fatalf("kmipd log:\n%s", stderr.String())
	}

	cmd2, addr2, stderr2 := startBinary(t, bin, dir)
	defer func() {
		cmd2.Process.Kill()
		cmd2.Wait()
	}()
	c, err := net.Dial("tcp", addr2)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	objects, destroys := 0, 0
	for _, a := range all {
		if a.id == "" {
			continue
		}
		objects++
		if a.destroyed {
			destroys++
			it, err := answer(c, killRequest(killItem(0x0B, ttlv.TextString(ttlv.TagUniqueIdentifier, a.id))))
			if err != nil || !succeededItem(it) {
				t.Fatalf("Get Attributes of destroyed %s after restart: %v %s", a.id, err, it.String())
			}
			st := it.Child(ttlv.TagResponsePayload).Child(ttlv.TagAttributes).Child(ttlv.TagState)
			if st == nil || st.Num != 0x05 { // Destroyed
				t.Errorf("object %s: answered Destroy lost, State %v", a.id, st)
			}
			continue
		}
		it, err := answer(c, killRequest(killItem(0x0A, ttlv.TextString(ttlv.TagUniqueIdentifier, a.id))))
		if err != nil {
			t.Fatal(err)
		}
		if a.destroying && !succeededItem(it) {
			continue // destroyed by the Destroy in flight at the kill
		}
		if !succeededItem(it) {
			t.Errorf("answered object %s lost after SIGKILL: %s", a.id, it.String())
			continue
		}
		if a.key != nil {
			var km []byte
			if kb := it.Child(ttlv.TagResponsePayload).Child(ttlv.TagSymmetricKey).Child(ttlv.TagKeyBlock); kb != nil {
				km = kb.Child(ttlv.TagKeyValue).Child(ttlv.TagKeyMaterial).Bytes
			}
			if !bytes.Equal(km, a.key) {
				t.Errorf("object %s: key material %x, registered %x", a.id, km, a.key)
			}
		}
	}
	t.Logf("%d answered requests before SIGKILL (%d objects, %d of them destroyed), %d unanswered; all found after restart",
		answered, objects, destroys, unanswered)
	if objects < 20 || destroys == 0 {
		t.Errorf("too little load to tell: %d objects, %d destroys", objects, destroys)
	}
	if t.Failed() {
		t.Logf("kmipd log after restart:\n%s", stderr2.String())
	}
}
