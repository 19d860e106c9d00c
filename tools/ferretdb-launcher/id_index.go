package main

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"time"

	_ "modernc.org/sqlite" // the SQLite driver FerretDB itself uses
)

// FerretDB v1.24's SQLite handler looks documents up by _id with the
// expression  _ferretdb_sjson->'$._id' = ?  (finds, updates, deletes), while
// the unique index it creates is on  _ferretdb_sjson->"_id" : SQLite cannot
// match the two, so every lookup and every update by _id reads and parses the
// JSON of every document of the collection (EXPLAIN QUERY PLAN: SCAN). Adding
// an index on the exact expression its queries use makes them SEARCH it. The
// index is invisible to FerretDB (its own metadata does not list it) and goes
// with the table when a collection is dropped. Numbers: docs/BENCHMARKS.md.

const idIndexInterval = 2 * time.Second

// indexIDPaths adds the missing index to every collection table of every
// database in dataDir, now and then every idIndexInterval (collections are
// created while the server runs), until ctx ends.
func indexIDPaths(ctx context.Context, dataDir string, logger *slog.Logger) {
	ticker := time.NewTicker(idIndexInterval)
	defer ticker.Stop()
	for {
		files, _ := filepath.Glob(filepath.Join(dataDir, "*.sqlite"))
		for _, file := range files {
			// Opened afresh on each pass: FerretDB deletes a dropped database's
			// file, and a handle kept open would go on reading the deleted one.
			if err := indexFile(ctx, file); err != nil {
				logger.Warn("id index: pass failed", "file", file, "error", err)
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
		}
	}
}

func indexFile(ctx context.Context, file string) error {
	db, err := sql.Open("sqlite", "file:"+file+"?_pragma=busy_timeout(10000)&_pragma=journal_mode(wal)")
	if err != nil {
		return err
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	return indexDatabase(ctx, db)
}

// quoteIdentifier quotes an SQLite identifier (FerretDB allows '"' in collection names).
func quoteIdentifier(name string) string {
	return `"` + strings.ReplaceAll(name, `"`, `""`) + `"`
}

func indexDatabase(ctx context.Context, db *sql.DB) error {
	// Read-only unless an index is missing: a collection dropped and created
	// again gets the same table name, without the index.
	var setUp int
	if err := db.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = '_ferretdb_collections'`).Scan(&setUp); err != nil {
		return err
	}
	if setUp == 0 {
		return nil // a database file FerretDB has not set up yet
	}
	rows, err := db.QueryContext(ctx, `SELECT c.table_name FROM _ferretdb_collections c
		WHERE NOT EXISTS (SELECT 1 FROM sqlite_master m WHERE m.type = 'index' AND m.name = c.table_name || '_id_path')`)
	if err != nil {
		return err
	}
	var tables []string
	for rows.Next() {
		var table string
		if err := rows.Scan(&table); err != nil {
			rows.Close()
			return err
		}
		tables = append(tables, table)
	}
	if err := rows.Err(); err != nil {
		rows.Close()
		return err
	}
	rows.Close()
	for _, table := range tables {
		q := fmt.Sprintf(`CREATE INDEX IF NOT EXISTS %s ON %s (_ferretdb_sjson->'$._id')`, quoteIdentifier(table+"_id_path"), quoteIdentifier(table))
		if _, err := db.ExecContext(ctx, q); err != nil {
			return err
		}
	}
	return nil
}
