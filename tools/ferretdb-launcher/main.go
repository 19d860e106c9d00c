// Command ferretdb-launcher runs FerretDB v1 with its SQLite handler (or, given
// -postgresql-url, its PostgreSQL handler) as one small binary. The upstream `go install .../cmd/ferretdb` build panics at start
// (it expects generated build/version files), while the embeddable package
// works when imported from a module of our own, so we build this instead.
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"net/http"
	_ "net/http/pprof" // served only with -debug-addr: CPU profiles for the benchmarks
	"os"
	"os/signal"
	"path/filepath"
	"syscall"

	"github.com/FerretDB/FerretDB/ferretdb"
)

func main() {
	listen := flag.String("listen", "127.0.0.1:27017", "TCP address to listen on")
	dataDir := flag.String("data-dir", "", "folder holding the SQLite databases (created if missing)")
	logLevel := flag.String("log-level", "warn", "debug, info, warn or error")
	debugAddr := flag.String("debug-addr", "", "if set, serves Go's /debug/pprof/ on this address (benchmarks)")
	idIndex := flag.Bool("id-index", true, "index the expression FerretDB's _id lookups use (see id_index.go); false only to measure without it")
	postgresqlURL := flag.String("postgresql-url", "", "if set, store in this PostgreSQL database (postgres://…) instead of SQLite files; -data-dir is then unused")
	flag.Parse()

	if *debugAddr != "" {
		go func() {
			if err := http.ListenAndServe(*debugAddr, nil); err != nil {
				fmt.Fprintln(os.Stderr, "ferretdb-launcher: debug server: "+err.Error())
			}
		}()
	}

	if *postgresqlURL != "" {
		run(ferretdb.Config{Handler: "postgresql", PostgreSQLURL: *postgresqlURL}, *listen, *logLevel, func(context.Context, *slog.Logger) {})
		return
	}
	if *dataDir == "" {
		fail("-data-dir is required")
	}
	abs, err := filepath.Abs(*dataDir)
	if err != nil {
		fail(err.Error())
	}
	// FerretDB's SQLite handler wants an existing folder and a URL ending in "/".
	if err := os.MkdirAll(abs, 0o700); err != nil {
		fail(err.Error())
	}

	run(ferretdb.Config{Handler: "sqlite", SQLiteURL: "file:" + abs + "/"}, *listen, *logLevel, func(ctx context.Context, logger *slog.Logger) {
		if *idIndex {
			go indexIDPaths(ctx, abs, logger)
		}
	})
}

// run starts FerretDB with the handler of config, calls started, and serves until SIGINT or SIGTERM.
func run(config ferretdb.Config, listen, logLevel string, started func(context.Context, *slog.Logger)) {
	var level slog.Level
	if err := level.UnmarshalText([]byte(logLevel)); err != nil {
		fail("invalid -log-level: " + err.Error())
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()

	config.Listener = ferretdb.ListenerConfig{TCP: listen}
	config.Logger = logger
	f, err := ferretdb.New(&config)
	if err != nil {
		fail(err.Error())
	}
	started(ctx, logger)

	// The parent process waits for this exact line before connecting.
	fmt.Printf("ferretdb ready %s\n", f.MongoDBURI())

	if err := f.Run(ctx); err != nil {
		fail(err.Error())
	}
}

func fail(msg string) {
	fmt.Fprintln(os.Stderr, "ferretdb-launcher: "+msg)
	os.Exit(1)
}
