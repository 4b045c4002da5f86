// Package localdb runs an embedded DynamoDB emulator (minidyn's HTTP
// server) on a loopback port, for the local runner and tests: no AWS
// account, no Docker, no other process. Clients reach it like any DynamoDB
// endpoint (see dynamo.NewClient).
//
// minidyn v0.8.2 gets parts of UpdateItem wrong and orders numeric sort
// keys as strings; the server corrects both (see fixer), so index Queries
// return numbers in numeric order. Its Scan order is still minidyn's, and
// it has no time-to-live: items never expire.
package localdb

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"sync"
	"time"

	miniserver "github.com/truora/minidyn/server"
)

// Server is a running emulator.
type Server struct {
	// Endpoint is the emulator's URL, "http://127.0.0.1:<port>".
	Endpoint string
	// Emulator is minidyn's server, for tests that inject failures.
	Emulator *miniserver.Server

	srv  *http.Server
	done chan struct{}
	once sync.Once
}

// Start serves a new, empty emulator on addr, a loopback host and port
// ("127.0.0.1:0" picks a free port). The emulator has no authentication,
// so any other host is refused.
func Start(ctx context.Context, addr string) (*Server, error) { return start(ctx, addr, nil) }

// start serves an emulator on addr, its handler wrapped by wrap when set.
func start(ctx context.Context, addr string, wrap func(http.Handler) http.Handler) (*Server, error) {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("embedded dynamodb address %q: %w", addr, err)
	}
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return nil, fmt.Errorf("embedded dynamodb address %q is not a loopback address", addr)
	}
	ln, err := new(net.ListenConfig).Listen(ctx, "tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listen for embedded dynamodb: %w", err)
	}
	emu := miniserver.NewServer()
	var h http.Handler = newFixer(emu)
	if wrap != nil {
		h = wrap(h)
	}
	s := &Server{
		Endpoint: "http://" + ln.Addr().String(),
		Emulator: emu,
		srv:      &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second},
		done:     make(chan struct{}),
	}
	go func() {
		defer close(s.done)
		// Serve returns only when closed or when the listener fails; either
		// way clients then see connection errors, which they treat as transient.
		_ = s.srv.Serve(ln)
	}()
	return s, nil
}

// Close stops the emulator and waits for it; closing twice is harmless.
func (s *Server) Close() {
	s.once.Do(func() {
		_ = s.srv.Close()
		<-s.done
	})
}
