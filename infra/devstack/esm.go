package devstack

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	ktypes "github.com/aws/aws-sdk-go-v2/service/kinesis/types"
)

// esm is a Kinesis event source mapping: it polls every shard of a stream with the real kinesis
// client and invokes the function with batches, one batch in flight per shard, like Lambda.
type esm struct {
	st   *Stack
	spec *esmSpec
	fn   *function
	pool *pool
	kin  *kinesis.Client
	path string

	mu   sync.Mutex
	ckpt checkpoints
}

// checkpoints is the mapping's state file: per shard, the last sequence number processed (or
// discarded to the failure destination), so a restarted devstack resumes where it stopped.
type checkpoints struct {
	StreamARN string                      `json:"streamArn"`
	Shards    map[string]*shardCheckpoint `json:"shards"`
}

type shardCheckpoint struct {
	SequenceNumber string     `json:"sequenceNumber,omitempty"`
	StartAt        *time.Time `json:"startAt,omitempty"` // where LATEST pointed when the mapping first ran
}

func newESM(st *Stack, spec *esmSpec, kin *kinesis.Client) (*esm, error) {
	e := &esm{st: st, spec: spec, fn: st.model.functions[spec.Function], pool: st.pools[spec.Function], kin: kin,
		path: filepath.Join(st.cfg.StateDir, "esm", spec.Function+"."+spec.Event+".json")}
	data, err := os.ReadFile(e.path)
	switch {
	case errors.Is(err, os.ErrNotExist):
	case err != nil:
		return nil, err
	default:
		if err := json.Unmarshal(data, &e.ckpt); err != nil {
			return nil, fmt.Errorf("read checkpoints %s: %w", e.path, err)
		}
	}
	if e.ckpt.StreamARN != spec.StreamARN || e.ckpt.Shards == nil {
		e.ckpt = checkpoints{StreamARN: spec.StreamARN, Shards: map[string]*shardCheckpoint{}}
	}
	return e, nil
}

func (e *esm) prefix() string { return "[" + e.fn.LogicalID + "] " }

// run polls every shard until ctx ends.
func (e *esm) run(ctx context.Context, wg *sync.WaitGroup) error {
	var shards []string
	var next *string
	for {
		in := &kinesis.ListShardsInput{NextToken: next}
		if next == nil {
			in.StreamName = aws.String(e.spec.StreamName)
		}
		out, err := e.kin.ListShards(ctx, in)
		if err != nil {
			return fmt.Errorf("list shards of %s: %w", e.spec.StreamName, err)
		}
		for _, s := range out.Shards {
			shards = append(shards, aws.ToString(s.ShardId))
		}
		if next = out.NextToken; next == nil {
			break
		}
	}
	for _, sh := range shards {
		// LATEST means "from when the mapping was created": take the position now, before Start
		// returns, and remember the moment, so a restart before the first record resumes from it.
		var first *string
		if c := e.checkpoint(sh); c.SequenceNumber == "" && c.StartAt == nil && e.spec.StartingPosition == "LATEST" {
			now := time.Now()
			out, err := e.kin.GetShardIterator(ctx, &kinesis.GetShardIteratorInput{StreamName: aws.String(e.spec.StreamName),
				ShardId: aws.String(sh), ShardIteratorType: ktypes.ShardIteratorTypeLatest})
			if err != nil {
				return fmt.Errorf("LATEST iterator for %s %s: %w", e.spec.StreamName, sh, err)
			}
			first = out.ShardIterator
			c.StartAt = &now
			e.save(sh, c)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			e.shardLoop(ctx, sh, first)
		}()
	}
	return nil
}

func (e *esm) checkpoint(shard string) shardCheckpoint {
	e.mu.Lock()
	defer e.mu.Unlock()
	if c := e.ckpt.Shards[shard]; c != nil {
		return *c
	}
	return shardCheckpoint{}
}

func (e *esm) save(shard string, c shardCheckpoint) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.ckpt.Shards[shard] = &c
	data, err := json.MarshalIndent(e.ckpt, "", "  ")
	if err == nil {
		err = writeFileAtomic(e.path, data)
	}
	if err != nil {
		e.st.log.Error("save stream checkpoint", "function", e.fn.LogicalID, "shard", shard, "err", err)
	}
}

func (e *esm) advance(shard, seq string) {
	c := e.checkpoint(shard)
	c.SequenceNumber = seq
	e.save(shard, c)
}

// iterator positions a shard iterator after the checkpoint, or at the starting position. A
// position in time (a pinned LATEST, AT_TIMESTAMP) is read from TRIM_HORIZON with the older records
// skipped: the same records as an AT_TIMESTAMP iterator, without relying on the emulator's
// support for it. skipBefore is the time before which records are skipped.
func (e *esm) iterator(ctx context.Context, shard, after string) (iter *string, skipBefore time.Time, err error) {
	in := &kinesis.GetShardIteratorInput{StreamName: aws.String(e.spec.StreamName), ShardId: aws.String(shard)}
	c := e.checkpoint(shard)
	if after == "" {
		after = c.SequenceNumber
	}
	switch {
	case after != "":
		in.ShardIteratorType = ktypes.ShardIteratorTypeAfterSequenceNumber
		in.StartingSequenceNumber = aws.String(after)
	case c.StartAt != nil:
		in.ShardIteratorType = ktypes.ShardIteratorTypeTrimHorizon
		skipBefore = *c.StartAt
	case e.spec.StartingPosition == "AT_TIMESTAMP":
		in.ShardIteratorType = ktypes.ShardIteratorTypeTrimHorizon
		skipBefore = e.spec.StartAt
	case e.spec.StartingPosition == "LATEST":
		in.ShardIteratorType = ktypes.ShardIteratorTypeLatest
	default:
		in.ShardIteratorType = ktypes.ShardIteratorTypeTrimHorizon
	}
	out, err := e.kin.GetShardIterator(ctx, in)
	if err != nil {
		return nil, time.Time{}, err
	}
	return out.ShardIterator, skipBefore, nil
}

// wait pauses for d or until ctx ends; false when ctx ended.
func wait(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

func (e *esm) shardLoop(ctx context.Context, shard string, iter *string) {
	poll := e.st.cfg.StreamPollInterval
	if e.spec.ConsumerARN != "" {
		// Enhanced fan-out pushes records as they arrive (SubscribeToShard); kinesalite has no
		// push, so the shard is polled often enough to give the same latency.
		poll = e.st.cfg.PushPollInterval
	}
	var buf []ktypes.Record
	var firstAt, skipBefore time.Time
	lastFetched := ""
	for ctx.Err() == nil {
		if iter == nil {
			it, skip, err := e.iterator(ctx, shard, lastFetched)
			if err != nil {
				if ctx.Err() == nil {
					e.st.log.Warn("get shard iterator", "function", e.fn.LogicalID, "shard", shard, "err", err)
				}
				if !wait(ctx, poll) {
					return
				}
				continue
			}
			iter, skipBefore = it, skip
		}
		caughtUp := true
		if len(buf) < e.spec.BatchSize {
			out, err := e.kin.GetRecords(ctx, &kinesis.GetRecordsInput{ShardIterator: iter, Limit: aws.Int32(int32(e.spec.BatchSize - len(buf)))})
			if err != nil {
				var expired *ktypes.ExpiredIteratorException
				if !errors.As(err, &expired) && ctx.Err() == nil {
					e.st.log.Warn("get records", "function", e.fn.LogicalID, "shard", shard, "err", err)
				}
				iter = nil
				if !wait(ctx, poll) {
					return
				}
				continue
			}
			iter = out.NextShardIterator
			recs := out.Records
			if !skipBefore.IsZero() && len(recs) > 0 {
				k := 0
				for k < len(recs) && arrival(recs[k]).Before(skipBefore) {
					k++
				}
				if k > 0 { // before the mapping's starting position: move past them unseen
					lastFetched = aws.ToString(recs[k-1].SequenceNumber)
					e.advance(shard, lastFetched)
				}
				if recs = recs[k:]; len(recs) > 0 {
					skipBefore = time.Time{}
				}
			}
			out.Records = recs
			if len(out.Records) > 0 {
				if len(buf) == 0 {
					firstAt = time.Now()
				}
				buf = append(buf, out.Records...)
				lastFetched = aws.ToString(out.Records[len(out.Records)-1].SequenceNumber)
				caughtUp = aws.ToInt64(out.MillisBehindLatest) == 0
			}
			if iter == nil && len(buf) == 0 {
				return // the shard is closed and drained
			}
		}
		if len(buf) == 0 {
			if !wait(ctx, poll) {
				return
			}
			continue
		}
		if len(buf) < e.spec.BatchSize {
			if !caughtUp {
				continue
			}
			if left := e.spec.Window - time.Since(firstAt); left > 0 {
				if !wait(ctx, min(left, poll)) {
					return
				}
				continue
			}
		}
		n := batchCut(buf, e.spec.BatchSize)
		if !e.process(ctx, shard, buf[:n]) {
			return
		}
		buf = buf[n:]
		firstAt = time.Now()
	}
}

// batchCut returns how many buffered records fit in one batch: BatchSize, and the 6 MB payload.
func batchCut(buf []ktypes.Record, size int) int {
	n, bytes := 0, 0
	for n < len(buf) && n < size {
		rec := len(buf[n].Data)*4/3 + len(aws.ToString(buf[n].PartitionKey)) + 512
		if n > 0 && bytes+rec > maxPayload {
			break
		}
		bytes += rec
		n++
	}
	return n
}

type kinesisEventRecord struct {
	Kinesis           kinesisData `json:"kinesis"`
	EventSource       string      `json:"eventSource"`
	EventVersion      string      `json:"eventVersion"`
	EventID           string      `json:"eventID"`
	EventName         string      `json:"eventName"`
	InvokeIdentityArn string      `json:"invokeIdentityArn"`
	AwsRegion         string      `json:"awsRegion"`
	EventSourceARN    string      `json:"eventSourceARN"`
}

type kinesisData struct {
	KinesisSchemaVersion        string  `json:"kinesisSchemaVersion"`
	PartitionKey                string  `json:"partitionKey"`
	SequenceNumber              string  `json:"sequenceNumber"`
	Data                        string  `json:"data"`
	ApproximateArrivalTimestamp float64 `json:"approximateArrivalTimestamp"`
}

func arrival(r ktypes.Record) time.Time { return aws.ToTime(r.ApproximateArrivalTimestamp) }

func (e *esm) payload(shard string, recs []ktypes.Record) []byte {
	ev := struct {
		Records []kinesisEventRecord `json:"Records"`
	}{Records: make([]kinesisEventRecord, len(recs))}
	for i, r := range recs {
		seq := aws.ToString(r.SequenceNumber)
		ev.Records[i] = kinesisEventRecord{
			Kinesis: kinesisData{KinesisSchemaVersion: "1.0", PartitionKey: aws.ToString(r.PartitionKey), SequenceNumber: seq,
				Data: base64.StdEncoding.EncodeToString(r.Data), ApproximateArrivalTimestamp: float64(arrival(r).UnixMilli()) / 1000},
			EventSource: "aws:kinesis", EventVersion: "1.0", EventID: shard + ":" + seq, EventName: "aws:kinesis:record",
			InvokeIdentityArn: e.fn.RoleARN, AwsRegion: Region, EventSourceARN: e.spec.StreamARN,
		}
	}
	b, _ := json.Marshal(ev)
	return b
}

// firstFailure reads a ReportBatchItemFailures response: the index of the lowest failed record
// (-1: all succeeded), or ok=false when the response makes the whole batch a failure (invalid
// JSON, a missing, empty or unknown itemIdentifier).
func firstFailure(payload []byte, recs []ktypes.Record) (idx int, ok bool) {
	trimmed := bytes.TrimSpace(payload)
	if len(trimmed) == 0 || string(trimmed) == "null" {
		return -1, true
	}
	var resp map[string]json.RawMessage
	if json.Unmarshal(trimmed, &resp) != nil {
		return 0, false
	}
	raw, present := resp["batchItemFailures"]
	if !present || string(raw) == "null" {
		return -1, true
	}
	var items []map[string]json.RawMessage
	if json.Unmarshal(raw, &items) != nil {
		return 0, false
	}
	idx = -1
	for _, it := range items {
		var id string
		if json.Unmarshal(it["itemIdentifier"], &id) != nil || id == "" {
			return 0, false
		}
		found := -1
		for i, r := range recs {
			if aws.ToString(r.SequenceNumber) == id {
				found = i
				break
			}
		}
		if found < 0 {
			return 0, false
		}
		if idx < 0 || found < idx {
			idx = found
		}
	}
	return idx, true
}

// work is a slice of a batch on its way: how often its records were sent and retried.
type work struct {
	recs     []ktypes.Record
	invokes  int
	attempts int
	last     Result
}

// process delivers one batch: retried from the first failed record, bisected on function errors
// when configured, and discarded to the on-failure destination once retries or record age run out.
// It returns false only when ctx ended first.
func (e *esm) process(ctx context.Context, shard string, batch []ktypes.Record) bool {
	queue := []*work{{recs: batch}}
	exhausted := func(w *work) bool { return e.spec.MaxRetries >= 0 && w.attempts > e.spec.MaxRetries }
	for len(queue) > 0 {
		if ctx.Err() != nil {
			return false
		}
		w := queue[0]
		if e.spec.MaxAge > 0 {
			cut := e.st.clock.Now().Add(-e.spec.MaxAge)
			k := 0
			for k < len(w.recs) && arrival(w.recs[k]).Before(cut) {
				k++
			}
			if k > 0 {
				e.discard(shard, w.recs[:k], "RecordAgeExceeded", w)
				if w.recs = w.recs[k:]; len(w.recs) == 0 {
					queue = queue[1:]
					continue
				}
			}
		}
		res, err := e.pool.invoke(e.st.hard, e.payload(shard, w.recs))
		if err != nil {
			if ctx.Err() != nil || errors.Is(err, errClosed) {
				return false
			}
			e.st.log.Warn("invoke from stream failed before the function ran", "function", e.fn.LogicalID, "shard", shard, "err", err)
			if !wait(ctx, e.backoff(1)) {
				return false
			}
			continue
		}
		w.invokes++
		w.last = res
		failedAt, whole := -1, res.FunctionError != ""
		if !whole && e.spec.ReportFailures {
			var ok bool
			if failedAt, ok = firstFailure(res.Payload, w.recs); !ok {
				whole = true
				e.st.sink.line(e.prefix(), "batchItemFailures response is invalid; the whole batch failed")
			}
		}
		switch {
		case !whole && failedAt < 0: // success
			e.advance(shard, aws.ToString(w.recs[len(w.recs)-1].SequenceNumber))
			queue = queue[1:]
			continue
		case !whole: // partial: keep what succeeded, retry from the first failure
			if failedAt > 0 {
				e.advance(shard, aws.ToString(w.recs[failedAt-1].SequenceNumber))
				w.recs = w.recs[failedAt:]
			}
		case e.spec.Bisect && len(w.recs) > 1: // splitting does not use up retries
			h := len(w.recs) / 2
			a := &work{recs: w.recs[:h], invokes: w.invokes, attempts: w.attempts, last: res}
			b := &work{recs: w.recs[h:], invokes: w.invokes, attempts: w.attempts, last: res}
			queue = append([]*work{a, b}, queue[1:]...)
			continue
		}
		w.attempts++
		if exhausted(w) {
			e.discard(shard, w.recs, "RetryAttemptsExhausted", w)
			queue = queue[1:]
			continue
		}
		if !wait(ctx, e.backoff(w.attempts)) {
			return false
		}
	}
	return true
}

func (e *esm) backoff(attempt int) time.Duration {
	d := e.st.cfg.StreamRetryBackoff
	for i := 1; i < attempt && d < 10*time.Second; i++ {
		d *= 2
	}
	return min(d, 10*time.Second)
}

// failureRecord is the invocation record Lambda sends to a Kinesis mapping's on-failure destination.
type failureRecord struct {
	RequestContext struct {
		RequestID              string `json:"requestId"`
		FunctionArn            string `json:"functionArn"`
		Condition              string `json:"condition"`
		ApproximateInvokeCount int    `json:"approximateInvokeCount"`
	} `json:"requestContext"`
	ResponseContext struct {
		StatusCode      int    `json:"statusCode"`
		ExecutedVersion string `json:"executedVersion"`
		FunctionError   string `json:"functionError,omitempty"`
	} `json:"responseContext"`
	Version          string `json:"version"`
	Timestamp        string `json:"timestamp"`
	KinesisBatchInfo struct {
		ShardID                         string `json:"shardId"`
		StartSequenceNumber             string `json:"startSequenceNumber"`
		EndSequenceNumber               string `json:"endSequenceNumber"`
		ApproximateArrivalOfFirstRecord string `json:"approximateArrivalOfFirstRecord"`
		ApproximateArrivalOfLastRecord  string `json:"approximateArrivalOfLastRecord"`
		BatchSize                       int    `json:"batchSize"`
		StreamArn                       string `json:"streamArn"`
	} `json:"KinesisBatchInfo"`
}

const isoMillis = "2006-01-02T15:04:05.000Z"

// discard gives up on recs: the failure record goes to the on-failure destination and the shard
// moves past them.
func (e *esm) discard(shard string, recs []ktypes.Record, condition string, w *work) {
	var fr failureRecord
	fr.RequestContext.RequestID = w.last.RequestID
	if fr.RequestContext.RequestID == "" {
		fr.RequestContext.RequestID = newUUID()
	}
	fr.RequestContext.FunctionArn = e.fn.ARN
	fr.RequestContext.Condition = condition
	fr.RequestContext.ApproximateInvokeCount = w.invokes
	fr.ResponseContext.StatusCode = 200
	fr.ResponseContext.ExecutedVersion = "$LATEST"
	fr.ResponseContext.FunctionError = w.last.FunctionError
	fr.Version = "1.0"
	fr.Timestamp = time.Now().UTC().Format(isoMillis)
	bi := &fr.KinesisBatchInfo
	bi.ShardID = shard
	bi.StartSequenceNumber = aws.ToString(recs[0].SequenceNumber)
	bi.EndSequenceNumber = aws.ToString(recs[len(recs)-1].SequenceNumber)
	bi.ApproximateArrivalOfFirstRecord = arrival(recs[0]).UTC().Format(isoMillis)
	bi.ApproximateArrivalOfLastRecord = arrival(recs[len(recs)-1]).UTC().Format(isoMillis)
	bi.BatchSize = len(recs)
	bi.StreamArn = e.spec.StreamARN
	body, _ := json.Marshal(fr)
	e.st.sink.line(e.prefix(), fmt.Sprintf("discarding %d record(s) of %s (%s): %s..%s", len(recs), shard, condition, bi.StartSequenceNumber, bi.EndSequenceNumber))
	if dest := e.spec.OnFailureARN; dest != "" {
		queue := dest[strings.LastIndex(dest, ":")+1:]
		if err := e.st.sqs.send(queue, string(body)); err != nil {
			e.st.log.Error("send to on-failure destination", "function", e.fn.LogicalID, "destination", dest, "err", err)
		}
	}
	e.advance(shard, bi.EndSequenceNumber)
}
