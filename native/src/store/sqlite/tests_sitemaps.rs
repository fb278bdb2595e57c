//! Sitemaps in the state file (schema 4): a queued sitemap file and the lastmod of a listed
//! page survive a reopen, and a schema 3 file gets the two columns (once, however often the
//! step runs).

use super::tests::{open_ready, queued, record, TempDb};
use super::*;
use futures::executor::block_on;

#[test]
fn sitemap_files_and_lastmods_survive_a_reopen() {
    let tmp = TempDb::new("sitemaps");
    let mut store = open_ready(&tmp.path());
    let mut index = queued("/sitemap.xml", 0);
    index.sitemap = true;
    block_on(store.add(index.clone()));
    let Pop::Url(popped) = block_on(store.pop()) else {
        panic!("queued")
    };
    assert_eq!(popped, index);
    let mut child = queued("/sitemaps/1.xml", 1);
    child.sitemap = true;
    child.lastmod = Some(Rc::from("2026-11-01"));
    let mut page = queued("/p/1", 1);
    page.lastmod = Some(Rc::from("2026-11-02T10:00:00Z"));
    let plain = queued("/p/2", 1);
    block_on(store.complete(
        &record("/sitemap.xml", None),
        vec![child.clone(), page.clone(), plain.clone()],
    ));
    block_on(store.close(false));
    drop(store);

    let mut store = open_ready(&tmp.path());
    for want in [child, page, plain] {
        assert_eq!(block_on(store.pop()), Pop::Url(want));
    }
    assert_eq!(block_on(store.pop()), Pop::Empty);
}

#[test]
fn a_schema_3_file_gets_the_sitemap_columns_once() {
    let tmp = TempDb::new("schema3");
    drop(open_ready(&tmp.path()));
    let conn = Connection::open(tmp.path()).unwrap();
    // Back to schema 3: without the two columns.
    conn.execute_batch(
        "ALTER TABLE pages DROP COLUMN lastmod; ALTER TABLE pages DROP COLUMN sitemap;
         PRAGMA user_version=3;",
    )
    .unwrap();
    conn.execute(
        "INSERT INTO pages (fp, url, depth) VALUES (1, 'http://h/old', 1)",
        [],
    )
    .unwrap();
    let columns = |conn: &Connection| -> Vec<String> {
        let mut stmt = conn
            .prepare("SELECT name FROM pragma_table_info('pages')")
            .unwrap();
        let names = stmt.query_map([], |r| r.get(0)).unwrap();
        names.map(Result::unwrap).collect()
    };
    assert!(!columns(&conn).contains(&"sitemap".to_string()));
    schema::migrate(&conn, &tmp.path()).unwrap();
    let after = columns(&conn);
    assert!(after.contains(&"lastmod".to_string()) && after.contains(&"sitemap".to_string()));
    // The step on a file that has them adds nothing (and fails on nothing).
    assert_eq!(schema::sitemap_columns(&conn).unwrap(), "");
    drop(conn);
    let mut store = open_ready(&tmp.path());
    let Pop::Url(old) = block_on(store.pop()) else {
        panic!("the old row is queued")
    };
    assert_eq!((old.sitemap, old.lastmod), (false, None));
}
