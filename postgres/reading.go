package postgres

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/hearth-iot/hearth"
)

// readingKey identifies the copies of a reading in a batch: a reading's
// deduplication key (device, message ID) and its household, since a copy
// sent to another household may be refused where the first is stored.
type readingKey struct{ device, msg, household string }

// lockBindings reads, and locks against change until the transaction ends
// (FOR SHARE: a transfer, reset or mode switch on any node waits for the
// batch to commit), the household and mode of every device of the batch
// that the store knows.
//
// The IDs are joined from unnest rather than matched with id = ANY($1): in
// the generic plan of a prepared statement, which pgx's statement cache
// soon gets, ANY over a parameter array is a linear search per row, 7 to
// 9 ms for 512 devices among 1,000, against 1 ms for the join.
const lockBindings = `SELECT d.id, d.household_id, d.mode FROM unnest($1::text[]) AS u(id)
JOIN devices d ON d.id = u.id ORDER BY d.id FOR SHARE OF d`

// insertUnnest inserts the batch's readings, given as one array per
// column, in batch order, skipping those whose (device_id, msg_id) is
// stored already (earlier in the same statement too) and those whose known
// device is not bound to the reading's household in cloud mode, and
// returns the ID and key of each one stored.
const insertUnnest = `INSERT INTO readings
	(device_id, household_id, person_id, category, msg_id, time, received, inferred, disputed, sealed)
SELECT u.device_id, u.household_id, u.person_id, u.category, u.msg_id, u.time, u.received, u.inferred, u.disputed, u.sealed
FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::int8[], $7::int8[], $8::bool[], $9::bool[], $10::bytea[])
	WITH ORDINALITY AS u(device_id, household_id, person_id, category, msg_id, time, received, inferred, disputed, sealed, n)
LEFT JOIN devices d ON d.id = u.device_id
WHERE d.id IS NULL OR (d.household_id = u.household_id AND d.mode = 'cloud')
ORDER BY u.n
ON CONFLICT (device_id, msg_id) DO NOTHING
RETURNING id, device_id, msg_id, household_id`

// InsertReadings stores a batch in one transaction, durable before it
// returns (synchronous_commit on), in one round trip: the binding of the
// batch's devices is read and locked (FOR SHARE, so a transfer, reset or
// mode switch on any node waits for the batch, and one committed before is
// seen), then the readings are inserted by one INSERT … SELECT FROM unnest
// in batch order, ON CONFLICT (device_id, msg_id) DO NOTHING; both are sent
// as one pipelined batch, which PostgreSQL runs as one implicit
// transaction. A reading whose (DeviceID, MsgID) is stored already, by an
// earlier call, another node or earlier in the same batch (the first one
// stored wins), is skipped (hearth.Duplicate); a reading whose device is
// not bound to the reading's household or not in cloud mode is not stored
// (hearth.Unbound; a device ID the store does not know is not checked). It
// reports for each reading what it did and, once committed, sets the ID of
// each one stored. IDs come from a sequence: they increase within a batch
// and are never reused, but batches that several nodes commit at once may
// commit out of ID order. A batch aborted as a deadlock (another node
// inserting the same keys in another order) is sent again, up to
// insertAttempts times in all. On error nothing in the batch is stored.
//
// BENCHMARKS.md (issue 16) compares this with COPY into a temporary table
// and with a raw CopyFrom of the same rows (BenchmarkInsertReadings).
func (db *DB) InsertReadings(ctx context.Context, rs []hearth.Reading) ([]hearth.Insertion, error) {
	if len(rs) == 0 {
		return []hearth.Insertion{}, nil
	}
	ins := newInsertion(rs)
	err := ins.send(ctx, db)
	for try := 1; retryable(err) && try < insertAttempts; try++ {
		err = ins.send(ctx, db)
	}
	if err != nil {
		return nil, wrap("insert readings", err, nil)
	}
	for i := range rs {
		r := &rs[i]
		switch b, known := ins.bindings[r.DeviceID]; {
		case ins.out[i] == hearth.Stored:
			r.ID = ins.ids[i]
		case known && (b.household != r.HouseholdID || b.mode != string(hearth.ModeCloud)):
			ins.out[i] = hearth.Unbound
		}
	}
	return ins.out, nil
}

// insertion is the state of one InsertReadings call.
type insertion struct {
	first    map[readingKey]int // a reading's copies → position of the first in the batch
	devices  []string           // the batch's device IDs, once each
	args     []any              // insertUnnest's arguments
	out      []hearth.Insertion // per reading: Stored, or Duplicate until checked for Unbound
	ids      []int64            // per reading stored: its ID
	bindings map[string]binding // the batch's devices known to the store
}

// newInsertion prepares the insertion of rs.
func newInsertion(rs []hearth.Reading) *insertion {
	ins := &insertion{first: make(map[readingKey]int, len(rs)), args: columns(rs),
		out: make([]hearth.Insertion, len(rs)), ids: make([]int64, len(rs)), bindings: map[string]binding{}}
	seen := make(map[string]bool)
	for i := range rs {
		k := readingKey{rs[i].DeviceID, rs[i].MsgID, rs[i].HouseholdID}
		if _, dup := ins.first[k]; !dup {
			ins.first[k] = i
		}
		if !seen[k.device] {
			seen[k.device] = true
			ins.devices = append(ins.devices, k.device)
		}
	}
	return ins
}

// send locks and reads the devices' bindings and inserts the readings, as
// one pipelined batch: one round trip, one implicit transaction.
func (ins *insertion) send(ctx context.Context, db *DB) error {
	clear(ins.out)
	clear(ins.bindings)
	b := &pgx.Batch{}
	b.Queue(lockBindings, ins.devices).Query(func(rows pgx.Rows) error {
		return scanBindings(rows, ins.bindings)
	})
	b.Queue(insertUnnest, ins.args...).Query(func(rows pgx.Rows) error {
		return scanStored(rows, ins.first, ins.out, ins.ids)
	})
	return db.data.SendBatch(ctx, b).Close()
}

// insertAttempts is how many times InsertReadings sends a batch that
// PostgreSQL aborted as a deadlock: two nodes storing the same readings at
// once (a device resending to another node what the first still holds) can
// each wait for the other's uncommitted copy of a key.
const insertAttempts = 5

// binding is a device's household ("" for none) and mode.
type binding struct{ household, mode string }

// scanBindings reads lockBindings' rows into bindings.
func scanBindings(rows pgx.Rows, bindings map[string]binding) error {
	var id, mode string
	var hh *string
	_, err := pgx.ForEachRow(rows, []any{&id, &hh, &mode}, func() error {
		bindings[id] = binding{household: str(hh), mode: mode}
		return nil
	})
	if err != nil {
		return fmt.Errorf("read device bindings: %w", err)
	}
	return nil
}

// scanStored reads insertUnnest's rows: each marks the first copy of its
// reading in the batch stored, with its ID.
func scanStored(rows pgx.Rows, first map[readingKey]int, out []hearth.Insertion, ids []int64) error {
	var id int64
	var k readingKey
	_, err := pgx.ForEachRow(rows, []any{&id, &k.device, &k.msg, &k.household}, func() error {
		i, ok := first[k]
		if !ok {
			return fmt.Errorf("the store returned a reading not in the batch")
		}
		out[i], ids[i] = hearth.Stored, id
		return nil
	})
	return err
}

// columns returns insertUnnest's arguments: the readings of rs, one array
// per column.
func columns(rs []hearth.Reading) []any {
	n := len(rs)
	dev, hh, cat, msg := make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	person := make([]*string, n)
	tm, rcv := make([]int64, n), make([]int64, n)
	inf, dis := make([]bool, n), make([]bool, n)
	sealed := make([][]byte, n)
	for i := range rs {
		r := &rs[i]
		dev[i], hh[i], cat[i], msg[i] = r.DeviceID, r.HouseholdID, r.Category, r.MsgID
		person[i] = optString(r.PersonID)
		tm[i], rcv[i] = ts(r.Time), ts(r.Received)
		inf[i], dis[i] = r.Inferred, r.Disputed
		sealed[i] = r.Sealed
	}
	return []any{dev, hh, person, cat, msg, tm, rcv, inf, dis, sealed}
}

const readingCols = "id, device_id, household_id, person_id, category, msg_id, time, received, inferred, disputed, sealed"

// Readings lists readings matching f in ascending ID order: at most f.Limit
// of them (100, defaultLimit, when 0). It returns EINVALID for a negative limit.
func (db *DB) Readings(ctx context.Context, f hearth.ReadingFilter) ([]hearth.Reading, error) {
	if f.Limit < 0 {
		return nil, hearth.FieldError("limit", "must not be negative")
	}
	limit := f.Limit
	if limit == 0 {
		limit = defaultLimit
	}
	var c conds
	c.add("id > $%d", f.After)
	c.readings(f.HouseholdID, f.DeviceID, f.PersonID, f.Category, f.From, f.To)
	q := "SELECT " + readingCols + " FROM readings WHERE " + c.String() + fmt.Sprintf(" ORDER BY id LIMIT $%d", len(c.args)+1)
	return queryReadings(ctx, db, "select readings", q, append(c.args, limit)...)
}

// queryReadings runs a query of readingCols on the data pool and scans
// every row; op names it in errors.
func queryReadings(ctx context.Context, db *DB, op, q string, args ...any) ([]hearth.Reading, error) {
	rows, err := db.data.Query(ctx, q, args...)
	if err != nil {
		return nil, wrap(op, err, nil)
	}
	out, err := pgx.CollectRows(rows, scanReading)
	if err != nil {
		return nil, wrap(op, err, nil)
	}
	return out, nil
}

// conds collects the conditions of a WHERE clause and their arguments,
// numbering the placeholders.
type conds struct {
	where []string
	args  []any
}

// add adds cond, whose one %d is replaced by its argument's placeholder
// number.
func (c *conds) add(cond string, arg any) {
	c.args = append(c.args, arg)
	c.where = append(c.where, fmt.Sprintf(cond, len(c.args)))
}

// String returns the conditions joined by AND.
func (c *conds) String() string { return strings.Join(c.where, " AND ") }

// readings adds the conditions selecting readings by household, device,
// person ("-" for the household's own readings), category and time range
// [from, to); an empty value selects any.
func (c *conds) readings(household, device, person, category string, from, to time.Time) {
	if household != "" {
		c.add("household_id = $%d", household)
	}
	if device != "" {
		c.add("device_id = $%d", device)
	}
	switch person {
	case "":
	case "-":
		c.where = append(c.where, "person_id IS NULL")
	default:
		c.add("person_id = $%d", person)
	}
	if category != "" {
		c.add("category = $%d", category)
	}
	if !from.IsZero() {
		c.add("time >= $%d", ts(from))
	}
	if !to.IsZero() {
		c.add("time < $%d", ts(to))
	}
}

// scanReading scans a row of readingCols.
func scanReading(row pgx.CollectableRow) (hearth.Reading, error) {
	var r hearth.Reading
	var person *string
	var t, received int64
	err := row.Scan(&r.ID, &r.DeviceID, &r.HouseholdID, &person, &r.Category, &r.MsgID,
		&t, &received, &r.Inferred, &r.Disputed, &r.Sealed)
	if err != nil {
		return r, fmt.Errorf("scan reading: %w", err)
	}
	r.PersonID, r.Time, r.Received = str(person), fromTS(t), fromTS(received)
	return r, nil
}
