// The Go load generator of `bench/run.mjs --certify --client go`: calls Identity/Certify with Go's own
// HTTP/2 and TLS (standard library only), trusting only the anchors and checking the server's name, as
// the proxy does. It costs the machine a fraction of what a Node client does, so that more of the cores
// the bench shares with it go to the server under test.
//
// One JSON object per line on stdin: first the setup
//
//	{ "server", "serverName", "anchorsPem", "identity", "token", "channels", "pool", "warmup" }
//
// then one level per line, { "inFlight", "durationMs", "maxCalls" }. It answers one line per message on
// stdout: { "type": "ready" } once its CSRs are made and the warm-up calls are done, then one result per
// level: { "type": "result", "calls", "failures", "firstFailure", "wallMs", "cpuMs", "latenciesUs",
// "exhausted" }. It exits when stdin closes.
//
// Every call sends a CSR for a key of its own, used once; keys and CSRs are made before the warm-up. The
// warm-up calls check the answer in full (the leaf verifies against the anchors for the identity, with
// the intermediates sent); timed calls check the status and that a leaf came back.
package main

import (
	"bufio"
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

type setup struct {
	Server     string `json:"server"`
	ServerName string `json:"serverName"`
	AnchorsPem string `json:"anchorsPem"`
	Identity   string `json:"identity"`
	Token      string `json:"token"`
	Channels   int    `json:"channels"`
	Pool       int    `json:"pool"`
	Warmup     int    `json:"warmup"`
}

type level struct {
	InFlight   int `json:"inFlight"`
	DurationMs int `json:"durationMs"`
	MaxCalls   int `json:"maxCalls"`
}

type result struct {
	Type         string    `json:"type"`
	Calls        int64     `json:"calls"`
	Failures     int64     `json:"failures"`
	FirstFailure string    `json:"firstFailure,omitempty"`
	WallMs       float64   `json:"wallMs"`
	CPUMs        float64   `json:"cpuMs"`
	LatenciesUs  []float64 `json:"latenciesUs"`
	Exhausted    bool      `json:"exhausted"`
}

// Protobuf, as much as Certify needs: length-delimited fields and varints.
func appendVarint(b []byte, v uint64) []byte {
	for v >= 0x80 {
		b = append(b, byte(v)|0x80)
		v >>= 7
	}
	return append(b, byte(v))
}

func appendBytesField(b []byte, field int, v []byte) []byte {
	b = appendVarint(b, uint64(field<<3|2))
	b = appendVarint(b, uint64(len(v)))
	return append(b, v...)
}

func readVarint(b []byte) (uint64, int, error) {
	var v uint64
	for i := 0; i < len(b) && i < 10; i++ {
		v |= uint64(b[i]&0x7f) << (7 * i)
		if b[i] < 0x80 {
			return v, i + 1, nil
		}
	}
	return 0, 0, errors.New("bad varint")
}

// certifyResponse reads the leaf (field 1), the intermediates (field 2) and whether valid_until (field 3)
// is there.
func certifyResponse(msg []byte) (leaf []byte, intermediates [][]byte, validUntil bool, err error) {
	for len(msg) > 0 {
		key, n, err := readVarint(msg)
		if err != nil {
			return nil, nil, false, err
		}
		msg = msg[n:]
		if key&7 != 2 {
			return nil, nil, false, fmt.Errorf("unexpected wire type %d", key&7)
		}
		size, n, err := readVarint(msg)
		if err != nil || uint64(len(msg)-n) < size {
			return nil, nil, false, errors.New("truncated field")
		}
		value := msg[n : n+int(size)]
		msg = msg[n+int(size):]
		switch key >> 3 {
		case 1:
			leaf = value
		case 2:
			intermediates = append(intermediates, value)
		case 3:
			validUntil = true
		}
	}
	return leaf, intermediates, validUntil, nil
}

// requestFrame is one gRPC message: a CertifyRequest for a new key's CSR behind the 5-byte prefix.
func requestFrame(s *setup) []byte {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		panic(err)
	}
	csr, err := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{DNSNames: []string{s.Identity}}, key)
	if err != nil {
		panic(err)
	}
	msg := appendBytesField(appendBytesField(appendBytesField(nil, 1, []byte(s.Identity)), 2, []byte(s.Token)), 3, csr)
	frame := make([]byte, 5, 5+len(msg))
	binary.BigEndian.PutUint32(frame[1:], uint32(len(msg)))
	return append(frame, msg...)
}

type generator struct {
	s       setup
	url     string
	roots   *x509.CertPool
	clients []*http.Client
	frames  [][]byte
	next    int64
}

// call makes one Certify call with the next CSR; io.EOF once they are all used.
func (g *generator) call(client *http.Client, full bool) error {
	i := atomic.AddInt64(&g.next, 1) - 1
	if i >= int64(len(g.frames)) {
		return io.EOF
	}
	req, err := http.NewRequest(http.MethodPost, g.url, bytes.NewReader(g.frames[i]))
	if err != nil {
		return err
	}
	req.Header.Set("content-type", "application/grpc")
	req.Header.Set("te", "trailers")
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return err
	}
	status, message := resp.Trailer.Get("grpc-status"), resp.Trailer.Get("grpc-message")
	if status == "" {
		status, message = resp.Header.Get("grpc-status"), resp.Header.Get("grpc-message")
	}
	if status != "0" {
		// grpc-message is percent-encoded.
		if decoded, err := url.PathUnescape(message); err == nil {
			message = decoded
		}
		return fmt.Errorf("grpc-status %s: %s", status, message)
	}
	if len(body) < 5 || body[0] != 0 || int(binary.BigEndian.Uint32(body[1:5])) != len(body)-5 {
		return errors.New("not one uncompressed gRPC message")
	}
	leaf, intermediates, validUntil, err := certifyResponse(body[5:])
	if err != nil {
		return err
	}
	if len(leaf) == 0 || !validUntil {
		return errors.New("a response without a leaf or valid_until")
	}
	if !full {
		return nil
	}
	cert, err := x509.ParseCertificate(leaf)
	if err != nil {
		return err
	}
	pool := x509.NewCertPool()
	for _, der := range intermediates {
		c, err := x509.ParseCertificate(der)
		if err != nil {
			return err
		}
		pool.AddCert(c)
	}
	_, err = cert.Verify(x509.VerifyOptions{
		DNSName:       g.s.Identity,
		Roots:         g.roots,
		Intermediates: pool,
		KeyUsages:     []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth, x509.ExtKeyUsageServerAuth},
	})
	return err
}

func cpuMs() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e6
}

// drive runs `width` lanes, each calling again as soon as its call returns, until `durationMs` has
// passed or `count` calls have been made; lane i uses connection i mod channels.
func (g *generator) drive(width, count, durationMs int, full bool) result {
	var calls, failures, started int64
	var firstFailure atomic.Value
	var exhausted atomic.Bool
	latencies := make([][]float64, width)
	stop := time.Now().Add(time.Duration(durationMs) * time.Millisecond)
	cpu0 := cpuMs()
	t0 := time.Now()
	var wg sync.WaitGroup
	for lane := 0; lane < width; lane++ {
		wg.Add(1)
		go func(lane int) {
			defer wg.Done()
			client := g.clients[lane%len(g.clients)]
			for time.Now().Before(stop) && atomic.AddInt64(&started, 1) <= int64(count) {
				s := time.Now()
				err := g.call(client, full)
				if err == io.EOF {
					exhausted.Store(true)
					return
				}
				if err != nil {
					atomic.AddInt64(&failures, 1)
					firstFailure.CompareAndSwap(nil, err.Error())
					continue
				}
				latencies[lane] = append(latencies[lane], float64(time.Since(s).Nanoseconds())/1e3)
				atomic.AddInt64(&calls, 1)
			}
		}(lane)
	}
	wg.Wait()
	r := result{Type: "result", Calls: calls, Failures: failures, Exhausted: exhausted.Load(),
		WallMs: float64(time.Since(t0).Nanoseconds()) / 1e6, CPUMs: cpuMs() - cpu0, LatenciesUs: []float64{}}
	r.FirstFailure, _ = firstFailure.Load().(string)
	for _, l := range latencies {
		r.LatenciesUs = append(r.LatenciesUs, l...)
	}
	return r
}

func main() {
	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 1<<16), 1<<24)
	out := json.NewEncoder(os.Stdout)
	fail := func(err error) {
		fmt.Fprintln(os.Stderr, "certify-load:", err)
		os.Exit(1)
	}
	if !in.Scan() {
		fail(errors.New("no setup on stdin"))
	}
	g := &generator{}
	if err := json.Unmarshal(in.Bytes(), &g.s); err != nil {
		fail(err)
	}
	g.url = "https://" + g.s.Server + "/io.linkerd.proxy.identity.Identity/Certify"
	g.roots = x509.NewCertPool()
	if !g.roots.AppendCertsFromPEM([]byte(g.s.AnchorsPem)) {
		fail(errors.New("no anchors in anchorsPem"))
	}
	for i := 0; i < g.s.Channels; i++ {
		// A transport per channel: a connection of its own, with HTTP/2 negotiated by ALPN.
		g.clients = append(g.clients, &http.Client{Transport: &http.Transport{
			TLSClientConfig:   &tls.Config{RootCAs: g.roots, ServerName: g.s.ServerName, MinVersion: tls.VersionTLS12},
			ForceAttemptHTTP2: true,
		}})
	}
	g.frames = make([][]byte, g.s.Warmup+g.s.Pool)
	var wg sync.WaitGroup
	makers := runtime.NumCPU()
	for m := 0; m < makers; m++ {
		wg.Add(1)
		go func(m int) {
			defer wg.Done()
			for i := m; i < len(g.frames); i += makers {
				g.frames[i] = requestFrame(&g.s)
			}
		}(m)
	}
	wg.Wait()
	if warm := g.drive(16, g.s.Warmup, 60_000, true); warm.Failures > 0 {
		fail(fmt.Errorf("%d warm-up calls failed: %s", warm.Failures, warm.FirstFailure))
	}
	out.Encode(map[string]string{"type": "ready"})
	for in.Scan() {
		var l level
		if err := json.Unmarshal(in.Bytes(), &l); err != nil {
			fail(err)
		}
		out.Encode(g.drive(l.InFlight, l.MaxCalls, l.DurationMs, false))
	}
}
