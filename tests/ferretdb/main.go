// Command messenger-test-ferretdb runs FerretDB 1.24.2 (a MongoDB-wire-protocol server
// backed by SQLite) embedded through github.com/FerretDB/FerretDB/ferretdb, as a local
// test server for the MongoDB store's tests.
//
// Usage:
//
//	messenger-test-ferretdb --listen 127.0.0.1:0 --data-dir /tmp/x [--log-level error]
//
// When the listener is bound it prints exactly one line to stdout:
//
//	ferretdb listening on 127.0.0.1:PORT
//
// (with the actual port when --listen asked for port 0). It stops cleanly on SIGTERM or
// SIGINT (closes the listener, the client connections and the SQLite databases) and exits 0.
// Start-up errors go to stderr with exit status 1; bad flags exit with status 2.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/FerretDB/FerretDB/ferretdb"
)

func main() {
	os.Exit(run())
}

func run() int {
	listen := flag.String("listen", "127.0.0.1:0", "TCP address to listen on, host:port (port 0 picks a free port)")
	dataDir := flag.String("data-dir", "", "directory for FerretDB's SQLite databases (created if missing; required)")
	logLevel := flag.String("log-level", "error", "FerretDB log level: debug, info, warn or error (logs go to stderr; warn also dumps every failed command)")
	flag.Parse()

	if flag.NArg() != 0 {
		fmt.Fprintf(os.Stderr, "ferretdb: unexpected arguments: %s\n", strings.Join(flag.Args(), " "))
		return 2
	}
	if *dataDir == "" {
		fmt.Fprintln(os.Stderr, "ferretdb: --data-dir is required")
		return 2
	}
	if _, _, err := net.SplitHostPort(*listen); err != nil {
		fmt.Fprintf(os.Stderr, "ferretdb: bad --listen %q: %s\n", *listen, err)
		return 2
	}

	var level slog.Level
	if err := level.UnmarshalText([]byte(*logLevel)); err != nil {
		fmt.Fprintf(os.Stderr, "ferretdb: bad --log-level %q: %s\n", *logLevel, err)
		return 2
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))

	// FerretDB's SQLite handler wants an existing directory, given as a "file:" URI whose
	// path ends with "/". Build it from the absolute path so that unusual characters are
	// escaped rather than read as URI syntax.
	dir, err := filepath.Abs(*dataDir)
	if err != nil {
		fmt.Fprintf(os.Stderr, "ferretdb: bad --data-dir %q: %s\n", *dataDir, err)
		return 1
	}
	if err = os.MkdirAll(dir, 0o755); err != nil {
		fmt.Fprintf(os.Stderr, "ferretdb: cannot create --data-dir: %s\n", err)
		return 1
	}
	sqliteURL := (&url.URL{Scheme: "file", Path: dir + "/", OmitHost: true}).String()

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()

	// In v1.24.2, New binds the listener(s); Run accepts connections until ctx is done.
	f, err := ferretdb.New(&ferretdb.Config{
		Listener:  ferretdb.ListenerConfig{TCP: *listen},
		Logger:    logger,
		Handler:   "sqlite",
		SQLiteURL: sqliteURL,
	})
	if err != nil {
		fmt.Fprintf(os.Stderr, "ferretdb: cannot start on %s with data in %s: %s\n", *listen, dir, err)
		return 1
	}

	// MongoDBURI is "mongodb://HOST:PORT/" with the actual (bound) address.
	u, err := url.Parse(f.MongoDBURI())
	if err != nil || u.Host == "" {
		fmt.Fprintf(os.Stderr, "ferretdb: cannot read the bound address from %q: %v\n", f.MongoDBURI(), err)
		return 1
	}

	done := make(chan error, 1)
	go func() { done <- f.Run(ctx) }()

	// The socket is already bound: connections made from now on wait in the backlog until
	// Run accepts them, so announcing readiness here is safe.
	if _, err = fmt.Fprintf(os.Stdout, "ferretdb listening on %s\n", u.Host); err != nil {
		stop()
		<-done
		return 1
	}

	err = <-done
	if err != nil && !errors.Is(err, context.Canceled) {
		fmt.Fprintf(os.Stderr, "ferretdb: stopped with error: %s\n", err)
		return 1
	}
	fmt.Fprintln(os.Stderr, "ferretdb: stopped")
	return 0
}
