package main

import (
	"context"
	"database/sql"
	"path/filepath"
	"strings"
	"testing"
)

// The query FerretDB v1.24 runs to find or update a document by _id must use
// the index indexDatabase adds, and not before (so the test shows the gap too).
func TestIndexDatabaseLetsIDLookupsSearch(t *testing.T) {
	ctx := context.Background()
	db, err := sql.Open("sqlite", "file:"+filepath.Join(t.TempDir(), "test.sqlite"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, q := range []string{
		`CREATE TABLE _ferretdb_collections (name TEXT, table_name TEXT, settings TEXT)`,
		`INSERT INTO _ferretdb_collections VALUES ('dossiers', 'dossiers_1234', '{}')`,
		`CREATE TABLE dossiers_1234 (_ferretdb_sjson TEXT NOT NULL)`,
		// The index FerretDB itself creates, which its lookups cannot use.
		`CREATE UNIQUE INDEX dossiers_1234__id_ ON dossiers_1234 (_ferretdb_sjson->"_id")`,
	} {
		if _, err := db.ExecContext(ctx, q); err != nil {
			t.Fatal(q, err)
		}
	}
	plan := func() string {
		var id, parent, unused int
		var detail string
		row := db.QueryRowContext(ctx, `EXPLAIN QUERY PLAN UPDATE dossiers_1234 SET _ferretdb_sjson = ? WHERE _ferretdb_sjson->'$._id' = ?`, "{}", `"d1"`)
		if err := row.Scan(&id, &parent, &unused, &detail); err != nil {
			t.Fatal(err)
		}
		return detail
	}
	if before := plan(); !strings.HasPrefix(before, "SCAN") {
		t.Fatalf("expected a scan without our index, got %q", before)
	}
	if err := indexDatabase(ctx, db); err != nil {
		t.Fatal(err)
	}
	if after := plan(); !strings.Contains(after, "USING INDEX dossiers_1234_id_path") {
		t.Fatalf("expected the lookup to use the added index, got %q", after)
	}
	// A table name with a double quote (FerretDB allows it in collection names) is quoted, not injected.
	for _, q := range []string{
		`INSERT INTO _ferretdb_collections VALUES ('we"ird', 'we"ird_5678', '{}')`,
		`CREATE TABLE "we""ird_5678" (_ferretdb_sjson TEXT NOT NULL)`,
	} {
		if _, err := db.ExecContext(ctx, q); err != nil {
			t.Fatal(q, err)
		}
	}
	if err := indexDatabase(ctx, db); err != nil {
		t.Fatal(err)
	}
	var indexed int
	if err := db.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name = 'we"ird_5678_id_path'`).Scan(&indexed); err != nil || indexed != 1 {
		t.Fatalf("expected the index on the quoted table, got %d (%v)", indexed, err)
	}
	// A second pass finds nothing to do.
	if err := indexDatabase(ctx, db); err != nil {
		t.Fatal(err)
	}
}
