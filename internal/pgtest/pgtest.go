// Package pgtest starts a private PostgreSQL server for tests: Debian's
// postgresql programs (.ci/run installs them), a cluster in a temporary
// directory, listening on a Unix socket only, so nothing else on the machine
// is touched and no port can clash; as root (CI) it runs as the postgres user
// the package creates, since PostgreSQL refuses root. Tests that need it fail
// without it (they never skip): the Postgres path must not go untested
// unnoticed. Only tests import it.
package pgtest

import (
	"bufio"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx"
)

// Server is a test binary's one PostgreSQL server. Safe for concurrent use.
type Server struct {
	dir  string // data in dir/data, the socket in dir
	cmd  *exec.Cmd
	done chan struct{} // closed when the server process has exited
	dbs  atomic.Int64  // databases created, for fresh names
}

var (
	pgOnce sync.Once
	pg     *Server
	pgErr  error
)

// Shared returns the test binary's server, starting it on first use; call
// Stop from TestMain after the tests.
func Shared() (*Server, error) {
	pgOnce.Do(func() { pg, pgErr = startPostgres() })
	return pg, pgErr
}

// Stop stops the shared server if it was started, and removes its files.
func Stop() {
	if pg == nil {
		return
	}
	_ = pg.cmd.Process.Signal(syscall.SIGINT) // "fast" shutdown
	select {
	case <-pg.done:
	case <-time.After(30 * time.Second):
		_ = pg.cmd.Process.Kill()
		<-pg.done
	}
	_ = os.RemoveAll(pg.dir)
}

// pgBinDir finds the server's programs: $SKIRMISH_PG_BIN, else the newest
// of Debian's /usr/lib/postgresql/<version>/bin, else $PATH.
func pgBinDir() (string, error) {
	if d := os.Getenv("SKIRMISH_PG_BIN"); d != "" {
		return d, nil
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool { return pgVersion(dirs[i]) > pgVersion(dirs[j]) })
	for _, d := range dirs {
		if _, err := os.Stat(filepath.Join(d, "initdb")); err == nil {
			return d, nil
		}
	}
	if p, err := exec.LookPath("initdb"); err == nil {
		return filepath.Dir(p), nil
	}
	return "", errors.New("no PostgreSQL server programs (initdb, postgres) found: install them with `apt-get install postgresql` (.ci/run does), or set SKIRMISH_PG_BIN")
}

func pgVersion(binDir string) int {
	v, _ := strconv.Atoi(filepath.Base(filepath.Dir(binDir)))
	return v
}

// startPostgres initialises a cluster in a temporary directory and starts a
// server on it. PostgreSQL refuses to run as root, so as root (CI) the
// cluster belongs to the postgres user the Debian package creates and the
// programs run as that user.
func startPostgres() (*Server, error) {
	bin, err := pgBinDir()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "skirmish-pg-")
	if err != nil {
		return nil, err
	}
	fail := func(err error) (*Server, error) {
		_ = os.RemoveAll(dir)
		return nil, err
	}
	var cred *syscall.Credential
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			return fail(fmt.Errorf("running as root, PostgreSQL needs another user: %w (the postgresql package creates `postgres`)", err))
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		cred = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
		if err := os.Chmod(dir, 0o755); err != nil {
			return fail(err)
		}
		if err := os.Chown(dir, uid, gid); err != nil {
			return fail(err)
		}
	}
	data := filepath.Join(dir, "data")
	initdb := exec.Command(filepath.Join(bin, "initdb"), "-D", data, "-U", "postgres", "-A", "trust",
		"-E", "UTF8", "--no-sync", "--no-instructions")
	initdb.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
	initdb.Dir = dir
	if out, err := initdb.CombinedOutput(); err != nil {
		return fail(fmt.Errorf("initdb: %w\n%s", err, out))
	}
	// Durability is not under test: skip the fsyncs.
	cmd := exec.Command(filepath.Join(bin, "postgres"), "-D", data, "-k", dir, "-c", "listen_addresses=",
		"-p", "5432", "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off",
		"-c", "max_connections=200")
	// The server dies with the test binary, even if that is killed.
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred, Pdeathsig: syscall.SIGKILL}
	cmd.Dir = dir
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return fail(err)
	}
	if err := cmd.Start(); err != nil {
		return fail(fmt.Errorf("start postgres: %w", err))
	}
	s := &Server{dir: dir, cmd: cmd, done: make(chan struct{})}
	ready := make(chan struct{})
	var logTail strings.Builder
	go func() {
		// Read the server's log until it exits (a full pipe would stall
		// it), noting when it is ready for connections.
		sc := bufio.NewScanner(stderr)
		once := sync.Once{}
		for sc.Scan() {
			if logTail.Len() < 8<<10 {
				logTail.WriteString(sc.Text() + "\n")
			}
			if strings.Contains(sc.Text(), "ready to accept connections") {
				once.Do(func() { close(ready) })
			}
		}
		_, _ = io.Copy(io.Discard, stderr)
		_ = cmd.Wait()
		close(s.done)
	}()
	select {
	case <-ready:
		return s, nil
	case <-s.done:
		return fail(fmt.Errorf("postgres exited at start:\n%s", logTail.String()))
	case <-time.After(60 * time.Second):
		_ = cmd.Process.Kill()
		<-s.done
		return fail(errors.New("postgres did not become ready within 60s"))
	}
}

// URL returns the URL of database db on the server, over its socket.
func (s *Server) URL(db string) string {
	return "postgres://postgres@/" + db + "?host=" + s.dir + "&port=5432&sslmode=disable"
}

// NewDatabase creates an empty database and returns its URL, so that each
// test starts from nothing.
func (s *Server) NewDatabase(ctx context.Context) (string, error) {
	name := fmt.Sprintf("t%d", s.dbs.Add(1))
	admin, err := sql.Open("pgx", s.URL("postgres"))
	if err != nil {
		return "", err
	}
	defer admin.Close()
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		return "", fmt.Errorf("create database %s: %w", name, err)
	}
	return s.URL(name), nil
}
