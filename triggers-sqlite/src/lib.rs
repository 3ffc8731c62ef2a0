//! # triggers-sqlite
//!
//! The embedded default store of the triggers crates: one SQLite database
//! file in WAL mode, written by **one writer thread that group-commits**
//! (concurrent writes share one transaction and one `fsync`, each in its own
//! savepoint so one failing write never spoils another), and read through a
//! small pool of reader connections on tokio's blocking threads.
//!
//! A write's future resolves only after its transaction is durably committed
//! (`synchronous = FULL`): whatever a caller acknowledges survives a crash.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), triggers_sqlite::DbError> {
//! let dir = tempfile::tempdir().expect("tempdir");
//! let db = triggers_sqlite::Db::open(dir.path().join("t.db"), Default::default())?;
//! db.migrate("demo", &["CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL)"]).await?;
//! let id = db.write(|c| {
//!     c.execute("INSERT INTO notes (body) VALUES (?1)", ["hello"])?;
//!     Ok(c.last_insert_rowid())
//! }).await?;
//! let body: String = db.read(move |c| {
//!     Ok(c.query_row("SELECT body FROM notes WHERE id = ?1", [id], |r| r.get(0))?)
//! }).await?;
//! assert_eq!(body, "hello");
//! db.close().await;
//! # Ok(()) }
//! ```

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

pub use rusqlite;
use rusqlite::{Connection, OpenFlags};
use tokio::sync::{Semaphore, mpsc, oneshot};

/// A store failure.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DbError {
    /// SQLite reported an error.
    #[error("sqlite: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// A write's closure panicked; its savepoint was rolled back.
    #[error("a database operation panicked")]
    Panicked,
    /// The database is closed (shutting down).
    #[error("the database is closed")]
    Closed,
    /// The database file or its folder could not be created.
    #[error("cannot open the database at {path}: {source}")]
    Open {
        /// The path.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The write transaction could not begin or commit; nothing was written.
    #[error("the write did not commit: {0}")]
    Unavailable(String),
    /// A stored value could not be decoded.
    #[error("corrupt row: {0}")]
    Corrupt(String),
}

impl DbError {
    /// True for a UNIQUE or PRIMARY KEY constraint violation.
    pub fn is_unique_violation(&self) -> bool {
        matches!(
            self,
            DbError::Sqlite(rusqlite::Error::SqliteFailure(e, _))
                if e.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE
                    || e.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_PRIMARYKEY
        )
    }
}

/// Tuning of [`Db::open`].
#[derive(Debug, Clone)]
pub struct DbOptions {
    /// Most writes that share one transaction. Default 512.
    pub max_batch: usize,
    /// Reader connections. Default 4.
    pub readers: usize,
    /// Writes queued before callers wait (back-pressure). Default 8192.
    pub queue: usize,
    /// How long SQLite waits on a lock before failing. Default 5 s.
    pub busy_timeout: Duration,
}

impl Default for DbOptions {
    fn default() -> Self {
        DbOptions {
            max_batch: 512,
            readers: 4,
            queue: 8192,
            busy_timeout: Duration::from_secs(5),
        }
    }
}

type Deliver = Box<dyn FnOnce(Result<(), DbError>) + Send>;
type Job = Box<dyn FnOnce(Result<&Connection, String>) -> Deliver + Send>;

struct Inner {
    path: PathBuf,
    writer: Mutex<Option<mpsc::Sender<Job>>>,
    thread: Mutex<Option<JoinHandle<()>>>,
    readers: Mutex<Vec<Connection>>,
    reader_slots: Semaphore,
}

/// A handle to the database. Cheap to clone.
#[derive(Clone)]
pub struct Db {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for Db {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Db")
            .field("path", &self.inner.path)
            .finish()
    }
}

fn configure(conn: &Connection, busy: Duration) -> Result<(), DbError> {
    conn.busy_timeout(busy)?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    Ok(())
}

impl Db {
    /// Opens (creating if needed) the database file and its folder, in WAL
    /// mode with `synchronous = FULL`, and starts the writer thread.
    pub fn open(path: impl AsRef<Path>, options: DbOptions) -> Result<Self, DbError> {
        let path = path.as_ref().to_path_buf();
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|source| DbError::Open {
                path: path.clone(),
                source,
            })?;
        }
        let writer = Connection::open(&path)?;
        configure(&writer, options.busy_timeout)?;
        writer.pragma_update(None, "journal_mode", "WAL")?;
        writer.pragma_update(None, "synchronous", "FULL")?;
        writer.pragma_update(None, "wal_autocheckpoint", 10_000)?;

        let mut readers = Vec::with_capacity(options.readers.max(1));
        for _ in 0..options.readers.max(1) {
            let conn = Connection::open_with_flags(
                &path,
                OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
            )?;
            configure(&conn, options.busy_timeout)?;
            readers.push(conn);
        }

        let (tx, rx) = mpsc::channel::<Job>(options.queue.max(1));
        let max_batch = options.max_batch.max(1);
        let thread = std::thread::Builder::new()
            .name("triggers-sqlite-writer".into())
            .spawn(move || writer_loop(writer, rx, max_batch))
            .map_err(|source| DbError::Open {
                path: path.clone(),
                source,
            })?;
        Ok(Db {
            inner: Arc::new(Inner {
                path,
                writer: Mutex::new(Some(tx)),
                thread: Mutex::new(Some(thread)),
                reader_slots: Semaphore::new(readers.len()),
                readers: Mutex::new(readers),
            }),
        })
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.inner.path
    }

    /// The writer thread's queue, unless the database is closed.
    fn writer(&self) -> Result<mpsc::Sender<Job>, DbError> {
        self.inner
            .writer
            .lock()
            .map_err(|_| DbError::Closed)?
            .clone()
            .ok_or(DbError::Closed)
    }

    /// Runs `f` in the writer, inside its own savepoint of a group-committed
    /// transaction. Resolves after the commit is durable. If `f` fails (or
    /// panics) only its own changes are rolled back.
    pub async fn write<R, F>(&self, f: F) -> Result<R, DbError>
    where
        R: Send + 'static,
        F: FnOnce(&Connection) -> Result<R, DbError> + Send + 'static,
    {
        let sender = self.writer()?;
        let (tx, rx) = oneshot::channel();
        let job: Job = Box::new(move |conn: Result<&Connection, String>| {
            let result = match conn {
                Ok(conn) => in_savepoint(conn, f),
                Err(reason) => Err(DbError::Unavailable(reason)),
            };
            Box::new(move |commit: Result<(), DbError>| {
                let _ = tx.send(commit.and(result));
            })
        });
        sender.send(job).await.map_err(|_| DbError::Closed)?;
        rx.await.map_err(|_| DbError::Closed)?
    }

    /// Like [`write`](Self::write), but resolves as soon as `f` has run in
    /// the open transaction, without waiting for the commit: for changes
    /// that may be lost in a crash or a failed commit without harm (a
    /// queue's lease, which only hides a job for a while). Later writes see
    /// them; readers see them once committed.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let dir = tempfile::tempdir()?;
    /// let db = triggers_sqlite::Db::open(dir.path().join("d.db"), Default::default())?;
    /// db.migrate("demo", &["CREATE TABLE t (n INTEGER)"]).await?;
    /// db.write_unsynced(|c| Ok(c.execute("INSERT INTO t VALUES (1)", [])?)).await?;
    /// let n: i64 = db.write(|c| Ok(c.query_row("SELECT count(*) FROM t", [], |r| r.get(0))?)).await?;
    /// assert_eq!(n, 1);
    /// # Ok(()) }
    /// ```
    pub async fn write_unsynced<R, F>(&self, f: F) -> Result<R, DbError>
    where
        R: Send + 'static,
        F: FnOnce(&Connection) -> Result<R, DbError> + Send + 'static,
    {
        let sender = self.writer()?;
        let (tx, rx) = oneshot::channel();
        let job: Job = Box::new(move |conn: Result<&Connection, String>| {
            let result = match conn {
                Ok(conn) => in_savepoint(conn, f),
                Err(reason) => Err(DbError::Unavailable(reason)),
            };
            let _ = tx.send(result);
            Box::new(|_: Result<(), DbError>| {})
        });
        sender.send(job).await.map_err(|_| DbError::Closed)?;
        rx.await.map_err(|_| DbError::Closed)?
    }

    /// Runs `f` on a reader connection, on a blocking thread. Sees every
    /// write whose future has resolved.
    pub async fn read<R, F>(&self, f: F) -> Result<R, DbError>
    where
        R: Send + 'static,
        F: FnOnce(&Connection) -> Result<R, DbError> + Send + 'static,
    {
        let _slot = self
            .inner
            .reader_slots
            .acquire()
            .await
            .map_err(|_| DbError::Closed)?;
        let inner = self.inner.clone();
        tokio::task::spawn_blocking(move || {
            let conn = inner
                .readers
                .lock()
                .map_err(|_| DbError::Closed)?
                .pop()
                .ok_or(DbError::Closed)?;
            let result =
                catch_unwind(AssertUnwindSafe(|| f(&conn))).unwrap_or(Err(DbError::Panicked));
            if let Ok(mut pool) = inner.readers.lock() {
                pool.push(conn);
            }
            result
        })
        .await
        .map_err(|_| DbError::Panicked)?
    }

    /// Applies, in order, the statements of `migrations` not yet applied under
    /// `namespace` (each domain crate owns its namespace). Each migration runs
    /// once, in the writer, and is recorded in `schema_migrations`.
    pub async fn migrate(
        &self,
        namespace: &'static str,
        migrations: &'static [&'static str],
    ) -> Result<(), DbError> {
        self.write(move |c| {
            c.execute_batch(
                "CREATE TABLE IF NOT EXISTS schema_migrations (
                    namespace TEXT NOT NULL,
                    version INTEGER NOT NULL,
                    PRIMARY KEY (namespace, version))",
            )?;
            let done: i64 = c.query_row(
                "SELECT COALESCE(MAX(version), 0) FROM schema_migrations WHERE namespace = ?1",
                [namespace],
                |r| r.get(0),
            )?;
            for (i, sql) in migrations.iter().enumerate() {
                let version = i64::try_from(i + 1).map_err(|e| DbError::Corrupt(e.to_string()))?;
                if version <= done {
                    continue;
                }
                c.execute_batch(sql)?;
                c.execute(
                    "INSERT INTO schema_migrations (namespace, version) VALUES (?1, ?2)",
                    rusqlite::params![namespace, version],
                )?;
            }
            Ok(())
        })
        .await
    }

    /// Stops accepting writes, lets the queued ones commit, and waits for the
    /// writer thread to finish. Idempotent.
    pub async fn close(&self) {
        if let Ok(mut w) = self.inner.writer.lock() {
            w.take();
        }
        let handle = self.inner.thread.lock().ok().and_then(|mut t| t.take());
        if let Some(handle) = handle {
            let _ = tokio::task::spawn_blocking(move || handle.join()).await;
        }
    }
}

/// Keyset pagination, the same for every store: `rows` were fetched with
/// `LIMIT limit + 1`; keeps the first `limit` (at least 1) and, when a row
/// beyond them came back, returns the cursor of the last row kept.
///
/// ```
/// let (rows, next) = triggers_sqlite::page(vec![1, 2, 3], 2, |r| *r);
/// assert_eq!((rows, next), (vec![1, 2], Some(2)));
/// let (rows, next) = triggers_sqlite::page(vec![1, 2], 2, |r| *r);
/// assert_eq!((rows, next), (vec![1, 2], None));
/// ```
pub fn page<T, C>(
    mut rows: Vec<T>,
    limit: usize,
    cursor: impl FnOnce(&T) -> C,
) -> (Vec<T>, Option<C>) {
    let limit = limit.max(1);
    if rows.len() <= limit {
        return (rows, None);
    }
    rows.truncate(limit);
    let next = rows.last().map(cursor);
    (rows, next)
}

fn in_savepoint<R>(
    conn: &Connection,
    f: impl FnOnce(&Connection) -> Result<R, DbError>,
) -> Result<R, DbError> {
    conn.execute_batch("SAVEPOINT job")?;
    let result = catch_unwind(AssertUnwindSafe(|| f(conn))).unwrap_or(Err(DbError::Panicked));
    match &result {
        Ok(_) => conn.execute_batch("RELEASE job")?,
        Err(_) => conn.execute_batch("ROLLBACK TO job; RELEASE job")?,
    }
    result
}

fn writer_loop(conn: Connection, mut rx: mpsc::Receiver<Job>, max_batch: usize) {
    let mut batch: Vec<Job> = Vec::with_capacity(max_batch);
    while let Some(first) = rx.blocking_recv() {
        batch.push(first);
        while batch.len() < max_batch {
            match rx.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        let mut deliveries: Vec<Deliver> = Vec::with_capacity(batch.len());
        match conn.execute_batch("BEGIN IMMEDIATE") {
            Ok(()) => {
                for job in batch.drain(..) {
                    deliveries.push(job(Ok(&conn)));
                }
                let committed = conn
                    .execute_batch("COMMIT")
                    .map_err(|e| format!("commit failed: {e}"));
                if let Err(e) = &committed {
                    tracing::error!(error = %e, "group commit failed; the batch is rolled back");
                    let _ = conn.execute_batch("ROLLBACK");
                }
                for deliver in deliveries {
                    deliver(committed.clone().map_err(DbError::Unavailable));
                }
            }
            Err(e) => {
                tracing::error!(error = %e, "cannot begin a write transaction");
                for job in batch.drain(..) {
                    job(Err(format!("cannot begin a transaction: {e}")))(Ok(()));
                }
            }
        }
    }
}
