// Command serverload puts kmipwire's server and ovh/kmip-go's beside each
// other under the same load: it starts both in process on loopback —
// kmipwire's kmipserver (what cmd/kmipd serves) and ovh's kmipserver
// framework with the in-memory handlers of ovh.go for the operations the
// load uses — then runs cmd/kmipload against each in turn, -rounds times,
// with the same mix, connections, batch size and protocol version, and
// prints one row per server: median messages/s and items/s, p50 and p99
// latency.
//
// Usage (from the repository root, as make bench-peers does):
//
//	go build -o bench/out/kmipload ./cmd/kmipload
//	cd bench/peers && go run ./cmd/serverload -kmipload ../out/kmipload
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"slices"
	"strings"
	"time"

	"github.com/kmipwire/kmipwire/bench/internal/benchreport"
	"github.com/kmipwire/kmipwire/kmipserver"
)

func main() {
	kmipload := flag.String("kmipload", "../out/kmipload", "the kmipload binary (go build ./cmd/kmipload)")
	duration := flag.Duration("duration", 5*time.Second, "length of each kmipload run")
	rounds := flag.Int("rounds", 3, "runs against each server, alternating")
	mix := flag.String("mix", "get=70,encrypt=20,locate=10", "kmipload's operation mix")
	conns := flag.Int("conns", 4, "kmipload's connections")
	batch := flag.Int("batch", 10, "kmipload's batch items per message")
	version := flag.String("version", "1.4", "KMIP version of the requests")
	flag.Parse()
	// ovh's server logs every connection to slog's default logger.
	slog.SetDefault(slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err := run(*kmipload, *duration, *rounds, *mix, *conns, *batch, *version); err != nil {
		fmt.Fprintln(os.Stderr, "serverload:", err)
		os.Exit(1)
	}
}

type server struct {
	name, addr string
	loads      []*benchreport.Load
}

func run(kmipload string, d time.Duration, rounds int, mix string, conns, batch int, version string) error {
	ctx := context.Background()
	kw, err := kmipserver.Listen(ctx, kmipserver.EndpointConfig{Addr: "127.0.0.1:0", Plaintext: true}, kmipserver.New(kmipserver.Config{}))
	if err != nil {
		return err
	}
	defer kw.Close()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	ovh := newOVHServer(l)
	go ovh.Serve()
	defer ovh.Shutdown()

	servers := []*server{{name: "kmipwire kmipserver", addr: kw.Addr().String()}, {name: "ovh/kmip-go kmipserver", addr: l.Addr().String()}}
	for i := range rounds {
		for _, s := range servers {
			fmt.Fprintf(os.Stderr, "== round %d of %d: %s\n", i+1, rounds, s.name)
			cmd := exec.Command(kmipload, "-addr", s.addr, "-duration", d.String(), "-json", "-quiet",
				"-mix", mix, "-conns", fmt.Sprint(conns), "-batch", fmt.Sprint(batch), "-version", version)
			var out bytes.Buffer
			cmd.Stdout, cmd.Stderr = &out, os.Stderr
			if err := cmd.Run(); err != nil {
				return fmt.Errorf("kmipload against %s: %w", s.name, err)
			}
			ld, err := parseLoad(out.Bytes())
			if err != nil {
				return fmt.Errorf("kmipload against %s: %w", s.name, err)
			}
			s.loads = append(s.loads, ld)
		}
	}
	fmt.Printf("servers under kmipload (plain TCP on loopback, in process, %d runs of %s each, alternating; mix %s, %d conns, batch %d, KMIP %s): medians\n\n",
		rounds, d, mix, conns, batch, version)
	rows := [][]string{{"server", "messages/s", "items/s", "p50", "p99"}}
	for _, s := range servers {
		med := func(f func(*benchreport.Load) float64) float64 {
			var xs []float64
			for _, ld := range s.loads {
				xs = append(xs, f(ld))
			}
			return benchreport.Median(xs)
		}
		rows = append(rows, []string{s.name,
			fmt.Sprintf("%.0f", med(func(l *benchreport.Load) float64 { return l.MessagesPerSecond })),
			fmt.Sprintf("%.0f", med(func(l *benchreport.Load) float64 { return l.ItemsPerSecond })),
			benchreport.Duration(med(func(l *benchreport.Load) float64 { return l.LatencyNs.P50 })),
			benchreport.Duration(med(func(l *benchreport.Load) float64 { return l.LatencyNs.P99 })),
		})
	}
	width := make([]int, len(rows[0]))
	for _, r := range rows {
		for i, c := range r {
			width[i] = max(width[i], len([]rune(c)))
		}
	}
	for _, r := range rows {
		var b strings.Builder
		for i, c := range r {
			pad := strings.Repeat(" ", width[i]-len([]rune(c)))
			if i == 0 {
				b.WriteString(c + pad)
			} else {
				b.WriteString("  " + pad + c)
			}
		}
		fmt.Println(b.String())
	}
	if r := ratio(servers); r != "" {
		fmt.Println("\n" + r)
	}
	return nil
}

// ratio says how many times kmipwire's median messages/s is ovh's.
func ratio(s []*server) string {
	med := func(x *server) float64 {
		var xs []float64
		for _, ld := range x.loads {
			xs = append(xs, ld.MessagesPerSecond)
		}
		return benchreport.Median(slices.Clip(xs))
	}
	if len(s) < 2 || med(s[1]) == 0 {
		return ""
	}
	return fmt.Sprintf("kmipwire/ovh: %s messages/s", benchreport.Ratio(med(s[0])/med(s[1])))
}

// parseLoad reads kmipload's -json report and refuses a run in which an
// item or a request failed: its figures would not compare.
func parseLoad(out []byte) (*benchreport.Load, error) {
	var extra struct {
		ItemsFailed   uint64 `json:"items_failed"`
		RequestErrors uint64 `json:"request_errors"`
		FirstError    string `json:"first_error"`
	}
	loads, err := benchreport.ParseLoad(bytes.NewReader(out))
	if err != nil {
		return nil, err
	}
	line := out[bytes.LastIndexByte(bytes.TrimSpace(out), '\n')+1:]
	if err := json.Unmarshal(line, &extra); err != nil {
		return nil, err
	}
	if extra.ItemsFailed > 0 || extra.RequestErrors > 0 {
		return nil, fmt.Errorf("%d items failed, %d request errors (first: %s)", extra.ItemsFailed, extra.RequestErrors, extra.FirstError)
	}
	return &loads[len(loads)-1], nil // one run per kmipload invocation
}
