package localdb

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"
)

// One process holding a whole large table is not how DynamoDB serves it:
// the emulator's heap grows with the table, and with it the garbage
// collector's and the memory system's cost of every call, and measuring a
// client in the same process counts the emulator's CPU as the client's.
// A Cluster keeps the parts of a partitioned emulator in several processes
// (stores), as DynamoDB spreads partitions over servers, behind a front
// process that routes each call; the caller's process holds none of it.
//
// The processes are this program run again, so a program (a test binary)
// that starts a Cluster must call ServeChild first thing in main (or
// TestMain) and return when it reports true.

// Environment of a cluster's child processes.
const (
	childEnv    = "KICKBOT_LOCALDB_CHILD" // "store" or "front"
	partsEnv    = "KICKBOT_LOCALDB_PARTS"
	storesEnv   = "KICKBOT_LOCALDB_STORES" // the stores' endpoints, comma-separated
	byKeyEnv    = "KICKBOT_LOCALDB_BY_KEY" // "1": parts by partition key (StartClusterByKey)
	readyPrefix = "localdb endpoint "
)

// Cluster is a partitioned emulator served by child processes.
type Cluster struct {
	// Endpoint is the front's base URL, as Server.Endpoint.
	Endpoint string
	procs    []*child
}

type child struct {
	cmd   *exec.Cmd
	stdin io.Closer
}

// StartCluster starts an emulator whose tables are split into parts parts,
// kept by stores processes (part i by store i%stores), behind a front
// process. Transactions must keep to one store's parts. Close stops it.
func StartCluster(ctx context.Context, parts, stores int) (*Cluster, error) {
	return startCluster(ctx, parts, stores, false)
}

// StartClusterByKey is StartCluster with parts chosen by partition key
// alone, as StartPartitionedByKey.
func StartClusterByKey(ctx context.Context, parts, stores int) (*Cluster, error) {
	return startCluster(ctx, parts, stores, true)
}

func startCluster(ctx context.Context, parts, stores int, byKey bool) (*Cluster, error) {
	if parts < 1 || stores < 1 || stores > parts {
		return nil, fmt.Errorf("a cluster needs 1 <= stores <= parts, got %d stores for %d parts", stores, parts)
	}
	c := &Cluster{}
	var endpoints []string
	for range stores {
		e, err := c.spawn(ctx, childEnv+"=store")
		if err != nil {
			c.Close()
			return nil, err
		}
		endpoints = append(endpoints, e)
	}
	env := []string{childEnv + "=front", partsEnv + "=" + strconv.Itoa(parts), storesEnv + "=" + strings.Join(endpoints, ",")}
	if byKey {
		env = append(env, byKeyEnv+"=1")
	}
	e, err := c.spawn(ctx, env...)
	if err != nil {
		c.Close()
		return nil, err
	}
	c.Endpoint = e
	return c, nil
}

// spawn runs this program as a child with env and returns the endpoint it
// serves.
func (c *Cluster) spawn(ctx context.Context, env ...string) (string, error) {
	self, err := os.Executable()
	if err != nil {
		return "", fmt.Errorf("cluster: find this program: %w", err)
	}
	cmd := exec.CommandContext(ctx, self)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stderr = os.Stderr
	in, err := cmd.StdinPipe()
	if err != nil {
		return "", err
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return "", err
	}
	if err := cmd.Start(); err != nil {
		return "", fmt.Errorf("cluster: start a child: %w", err)
	}
	c.procs = append(c.procs, &child{cmd: cmd, stdin: in})
	line, err := bufio.NewReader(out).ReadString('\n')
	endpoint, ok := strings.CutPrefix(strings.TrimSpace(line), readyPrefix)
	if err != nil || !ok {
		return "", fmt.Errorf("cluster: child did not report its endpoint (got %q, %v); does the program call localdb.ServeChild?", line, err)
	}
	return endpoint, nil
}

// CPU is the CPU time (user and system) the cluster's processes have used
// so far, read from /proc; 0 where the platform has no /proc.
func (c *Cluster) CPU() time.Duration {
	var total time.Duration
	for _, p := range c.procs {
		total += procCPU(p.cmd.Process.Pid)
	}
	return total
}

// procCPU reads utime and stime of a process from /proc/<pid>/stat, in
// clock ticks of 1/100 s (Linux's USER_HZ on every architecture Go runs).
func procCPU(pid int) time.Duration {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	// The command name may hold spaces; fields resume after its ')'.
	s := string(b)
	fields := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	if len(fields) < 13 {
		return 0
	}
	utime, _ := strconv.ParseInt(fields[11], 10, 64)
	stime, _ := strconv.ParseInt(fields[12], 10, 64)
	return time.Duration(utime+stime) * 10 * time.Millisecond
}

// Close stops the cluster's processes and waits for them.
func (c *Cluster) Close() {
	for _, p := range c.procs {
		_ = p.stdin.Close() // the child serves until its stdin ends
	}
	for _, p := range c.procs {
		_ = p.cmd.Wait()
	}
	c.procs = nil
}

// ServeChild serves as a Cluster's child process when this process was
// started as one, until its standard input ends, and then reports true:
// the program should then exit. Otherwise it returns false at once.
func ServeChild() bool {
	role := os.Getenv(childEnv)
	if role == "" {
		return false
	}
	if err := serveChild(role); err != nil {
		fmt.Fprintln(os.Stderr, "localdb child:", err)
		os.Exit(1)
	}
	return true
}

func serveChild(role string) error {
	ctx := context.Background()
	var (
		s   *Server
		err error
	)
	switch role {
	case "store":
		s, err = Start(ctx, "127.0.0.1:0")
	case "front":
		var parts int
		parts, err = strconv.Atoi(os.Getenv(partsEnv))
		if err != nil || parts < 1 {
			return fmt.Errorf("bad %s %q", partsEnv, os.Getenv(partsEnv))
		}
		var stores []http.Handler
		for _, e := range strings.Split(os.Getenv(storesEnv), ",") {
			u, perr := url.Parse(e)
			if perr != nil || u.Host == "" {
				return fmt.Errorf("bad store endpoint %q", e)
			}
			proxy := httputil.NewSingleHostReverseProxy(u)
			// The sweep runs many calls at once; keep their connections.
			proxy.Transport = &http.Transport{MaxIdleConnsPerHost: 256}
			stores = append(stores, proxy)
		}
		s, err = start(ctx, "127.0.0.1:0", func(h http.Handler) http.Handler {
			return &partitioner{next: h, parts: parts, stores: stores, byKey: os.Getenv(byKeyEnv) == "1", tables: map[string]partDef{}}
		})
	default:
		return fmt.Errorf("unknown role %q", role)
	}
	if err != nil {
		return err
	}
	defer s.Close()
	fmt.Println(readyPrefix + s.Endpoint)
	if _, err := io.Copy(io.Discard, os.Stdin); err != nil && !errors.Is(err, os.ErrClosed) {
		return err
	}
	return nil
}
