package postgres

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/hearth-iot/hearth"
)

// Bus limits.
const (
	// MaxBusMessage is the largest message Publish sends, in bytes. A
	// message over NOTIFY's limit (notifyChunk) is sent as several
	// notifications in one transaction, which PostgreSQL delivers together
	// and in order.
	MaxBusMessage = 256 << 10
	// notifyChunk is the most message bytes one notification carries,
	// under PostgreSQL's 8000-byte payload limit with room for the header.
	notifyChunk = 7900
	// busAppPrefix starts the application_name of every bus listener, so
	// Nodes can find the live nodes in pg_stat_activity.
	busAppPrefix = "hearth-bus "
	// busPing is how often an idle listener checks its connection, so a
	// connection cut without a word is noticed within about two of it.
	busPing = 5 * time.Second
	// busRetry bounds the wait between reconnection attempts.
	busRetry = 5 * time.Second
)

// channelName is what a bus channel may be called: an unquoted PostgreSQL
// identifier, lowercase.
var channelName = regexp.MustCompile(`^[a-z_][a-z0-9_]{0,62}$`)

// BusConfig configures a Bus. Handlers is required.
type BusConfig struct {
	// Node is this node's ID, letters, digits, '-' and '_', at most 40;
	// default a random one. Every node sharing the database needs its own.
	Node string
	// Handlers maps each channel this node listens on (lowercase letters,
	// digits and '_') to the function that handles a message on it,
	// including this node's own. Handlers are called one at a time, in the
	// order messages arrive, on the bus's goroutine: a handler that waits
	// (on the network, say) must do so on a goroutine of its own.
	Handlers map[string]func(payload string)
	// Lost is called when the listening connection is lost, before
	// reconnecting: from then on messages are missed. Reconnected is
	// called once it listens again: messages published in between were
	// not received, so whatever they would have invalidated should be
	// dropped. Default: nothing.
	Lost, Reconnected func()
	// Logger logs connection losses; default discard.
	Logger *slog.Logger
}

// Bus carries messages between the Hearth nodes that share a PostgreSQL
// data database, on LISTEN/NOTIFY: a dedicated connection listens, and
// Publish notifies through the pool. Delivery is at most once: a message
// published while a node's listening connection is down never reaches that
// node (BusConfig.Reconnected tells it that it may have missed some), and a
// node that is not running misses every message. Messages from one Publish
// arrive whole and, between two Publish calls of one node, in order. It is
// safe for concurrent use.
type Bus struct {
	pool     *pgxpool.Pool
	connCfg  *pgx.ConnConfig
	node     string
	handlers map[string]func(string)
	lost     func()
	recon    func()
	log      *slog.Logger

	cancel context.CancelFunc
	done   chan struct{}
	once   sync.Once
}

// NewBus returns a Bus on db's data database; Start makes it listen. It
// returns EINVALID for a bad node ID, no handlers or a bad channel name.
func NewBus(db *DB, cfg BusConfig) (*Bus, error) {
	if cfg.Node == "" {
		cfg.Node = newNodeID()
	}
	if !validNode(cfg.Node) {
		return nil, hearth.Errorf(hearth.EINVALID, "a bus node ID is 1 to 40 letters, digits, '-' or '_'")
	}
	if len(cfg.Handlers) == 0 {
		return nil, hearth.Errorf(hearth.EINVALID, "the bus needs a handler for at least one channel")
	}
	for ch := range cfg.Handlers {
		if !channelName.MatchString(ch) {
			return nil, hearth.Errorf(hearth.EINVALID, "bus channel %q: use lowercase letters, digits and '_'", ch)
		}
	}
	if cfg.Lost == nil {
		cfg.Lost = func() {}
	}
	if cfg.Reconnected == nil {
		cfg.Reconnected = func() {}
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	connCfg := db.data.Config().ConnConfig.Copy()
	connCfg.RuntimeParams["application_name"] = busAppPrefix + cfg.Node
	return &Bus{pool: db.data, connCfg: connCfg, node: cfg.Node, handlers: cfg.Handlers,
		lost: cfg.Lost, recon: cfg.Reconnected, log: cfg.Logger}, nil
}

// newNodeID returns a random node ID.
func newNodeID() string {
	b := make([]byte, 8)
	rand.Read(b) // never fails (crypto/rand, Go 1.24+)
	return "n" + hex.EncodeToString(b)
}

// validNode reports whether id is a usable node ID.
func validNode(id string) bool {
	if id == "" || len(id) > 40 {
		return false
	}
	for _, r := range id {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			return false
		}
	}
	return true
}

// Node returns this node's ID.
func (b *Bus) Node() string { return b.node }

// Start connects the listening connection and listens on every channel,
// then keeps it listening, reconnecting after a loss, until Close. A
// message published after Start returns is received. It returns the error
// of the first connection.
func (b *Bus) Start(ctx context.Context) error {
	conn, err := b.listen(ctx)
	if err != nil {
		return fmt.Errorf("start cluster bus: %w", err)
	}
	bg, cancel := context.WithCancel(context.Background())
	b.cancel, b.done = cancel, make(chan struct{})
	go b.run(bg, conn)
	return nil
}

// Close stops listening and closes the listening connection. It is
// idempotent; a Bus never started closes at once.
func (b *Bus) Close() error {
	b.once.Do(func() {
		if b.cancel != nil {
			b.cancel()
			<-b.done
		}
	})
	return nil
}

// listen opens the listening connection and LISTENs on every channel.
func (b *Bus) listen(ctx context.Context) (*pgx.Conn, error) {
	conn, err := pgx.ConnectConfig(ctx, b.connCfg)
	if err != nil {
		return nil, fmt.Errorf("connect: %w", err)
	}
	for ch := range b.handlers {
		if _, err := conn.Exec(ctx, "LISTEN "+ch); err != nil {
			conn.Close(context.Background())
			return nil, fmt.Errorf("listen on %s: %w", ch, err)
		}
	}
	return conn, nil
}

// run receives on conn until it fails, then reconnects, until ctx ends.
func (b *Bus) run(ctx context.Context, conn *pgx.Conn) {
	defer close(b.done)
	for {
		err := b.receive(ctx, conn)
		conn.Close(context.Background())
		if ctx.Err() != nil {
			return
		}
		b.log.Warn("cluster bus: listening connection lost; reconnecting", "err", err)
		b.lost()
		if conn = b.reconnect(ctx); conn == nil {
			return
		}
		b.log.Info("cluster bus: listening again; messages sent meanwhile were missed")
		b.recon()
	}
}

// reconnect retries listen until it succeeds or ctx ends (nil).
func (b *Bus) reconnect(ctx context.Context) *pgx.Conn {
	wait := 100 * time.Millisecond
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(wait):
		}
		conn, err := b.listen(ctx)
		if err == nil {
			return conn
		}
		if ctx.Err() != nil {
			return nil
		}
		b.log.Warn("cluster bus: reconnect failed", "err", err)
		wait = min(2*wait, busRetry)
	}
}

// receive dispatches the notifications arriving on conn, pinging it when
// idle, until it fails or ctx ends.
func (b *Bus) receive(ctx context.Context, conn *pgx.Conn) error {
	var asm assembler
	for {
		wctx, cancel := context.WithTimeout(ctx, busPing)
		n, err := conn.WaitForNotification(wctx)
		cancel()
		switch {
		case ctx.Err() != nil:
			return ctx.Err()
		case errors.Is(err, context.DeadlineExceeded) || pgconn.Timeout(err):
			pctx, cancel := context.WithTimeout(ctx, busPing)
			err = conn.Ping(pctx)
			cancel()
			if err != nil {
				return fmt.Errorf("ping: %w", err)
			}
			continue
		case err != nil:
			return err
		}
		msg, ok, err := asm.add(n.Payload)
		if err != nil {
			b.log.Warn("cluster bus: malformed message dropped", "channel", n.Channel, "err", err)
			continue
		}
		if h := b.handlers[n.Channel]; ok && h != nil {
			h(msg)
		}
	}
}

// Publish sends payload to every node listening on channel, this one
// included. payload must be UTF-8 without NUL bytes (JSON, say). It returns
// EINVALID for a bad channel or payload, ETOOLARGE over MaxBusMessage, and
// a wrapped error if PostgreSQL refuses.
func (b *Bus) Publish(ctx context.Context, channel, payload string) error {
	switch {
	case !channelName.MatchString(channel):
		return hearth.Errorf(hearth.EINVALID, "bus channel %q: use lowercase letters, digits and '_'", channel)
	case !utf8.ValidString(payload) || strings.IndexByte(payload, 0) >= 0:
		return hearth.Errorf(hearth.EINVALID, "a bus message must be UTF-8 text without NUL")
	case len(payload) > MaxBusMessage:
		return &hearth.Error{Code: hearth.ETOOLARGE, Message: fmt.Sprintf("a bus message may be at most %d bytes", MaxBusMessage)}
	}
	if len(payload) <= notifyChunk {
		if _, err := b.pool.Exec(ctx, "SELECT pg_notify($1, $2)", channel, "="+payload); err != nil {
			return fmt.Errorf("publish on %s: %w", channel, err)
		}
		return nil
	}
	return b.publishChunks(ctx, channel, payload)
}

// publishChunks sends a long payload as numbered chunks in one
// transaction: PostgreSQL delivers a transaction's notifications together,
// in order, to each listener.
func (b *Bus) publishChunks(ctx context.Context, channel, payload string) error {
	batch := &pgx.Batch{}
	for _, n := range chunks(newNodeID(), payload, notifyChunk) {
		batch.Queue("SELECT pg_notify($1, $2)", channel, n)
	}
	err := pgx.BeginFunc(ctx, b.pool, func(tx pgx.Tx) error {
		return tx.SendBatch(ctx, batch).Close()
	})
	if err != nil {
		return fmt.Errorf("publish on %s: %w", channel, err)
	}
	return nil
}

// chunks returns the notification payloads that carry payload as message
// id: "+ID I/N " and at most n bytes of it each, cut between UTF-8
// characters (n is at least 4).
func chunks(id, payload string, n int) []string {
	parts := split(payload, n)
	out := make([]string, len(parts))
	for i, p := range parts {
		out[i] = "+" + id + " " + strconv.Itoa(i+1) + "/" + strconv.Itoa(len(parts)) + " " + p
	}
	return out
}

// split cuts s into pieces of at most n bytes (n ≥ 4), each whole UTF-8
// where s is.
func split(s string, n int) []string {
	var out []string
	for len(s) > n {
		cut := n
		for cut > n-utf8.UTFMax && cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		out = append(out, s[:cut])
		s = s[cut:]
	}
	return append(out, s)
}

// assembler puts chunked messages back together. Chunks of one message
// arrive together and in order (publishChunks), so it keeps one message.
type assembler struct {
	id    string
	next  int
	size  int
	parts []string
}

// add takes one notification's payload and returns the message it
// completes, if any.
func (a *assembler) add(p string) (msg string, ok bool, err error) {
	if rest, inline := strings.CutPrefix(p, "="); inline {
		return rest, true, nil
	}
	rest, chunk := strings.CutPrefix(p, "+")
	id, rest, ok1 := strings.Cut(rest, " ")
	pos, body, ok2 := strings.Cut(rest, " ")
	is, ns, ok3 := strings.Cut(pos, "/")
	i, err1 := strconv.Atoi(is)
	n, err2 := strconv.Atoi(ns)
	if !chunk || !ok1 || !ok2 || !ok3 || err1 != nil || err2 != nil || i < 1 || i > n || n > MaxBusMessage {
		return "", false, fmt.Errorf("not a bus message")
	}
	if i == 1 {
		a.id, a.next, a.size, a.parts = id, 1, 0, a.parts[:0]
	}
	if id != a.id || i != a.next {
		a.id, a.parts = "", nil
		return "", false, fmt.Errorf("chunk %d/%d of a message whose start was missed", i, n)
	}
	if a.size += len(body); a.size > MaxBusMessage {
		a.id, a.parts = "", nil
		return "", false, fmt.Errorf("a message over %d bytes", MaxBusMessage)
	}
	a.parts = append(a.parts, body)
	a.next++
	if i < n {
		return "", false, nil
	}
	msg = strings.Join(a.parts, "")
	a.id, a.parts = "", nil
	return msg, true, nil
}

// Nodes returns the IDs of the nodes whose bus is listening on this data
// database now, this one included, as PostgreSQL sees their connections
// (pg_stat_activity), sorted.
func (b *Bus) Nodes(ctx context.Context) ([]string, error) {
	rows, err := b.pool.Query(ctx, `SELECT substr(application_name, $1) FROM pg_stat_activity
		WHERE datname = current_database() AND starts_with(application_name, $2) ORDER BY 1`,
		len(busAppPrefix)+1, busAppPrefix)
	if err != nil {
		return nil, fmt.Errorf("list bus nodes: %w", err)
	}
	nodes, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("list bus nodes: %w", err)
	}
	return nodes, nil
}
