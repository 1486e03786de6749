package devstack

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	ktypes "github.com/aws/aws-sdk-go-v2/service/kinesis/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/lingxi/lingxi/infra/emulators"
)

func testAWSConfig() aws.Config {
	return aws.Config{Region: Region, Credentials: credentials.NewStaticCredentialsProvider(localAccessKey, localSecretKey, "")}
}

// putRecords writes {"id", "mode"} records, in order, to one partition of the stream with the
// logical id, and returns their sequence numbers by id.
func putRecords(t *testing.T, st *Stack, stream string, recs ...string) map[string]string {
	t.Helper()
	kin := kinesis.NewFromConfig(testAWSConfig(), func(o *kinesis.Options) { o.BaseEndpoint = aws.String(st.Endpoints().Kinesis) })
	var entries []ktypes.PutRecordsRequestEntry
	var ids []string
	for _, r := range recs {
		id, mode, _ := strings.Cut(r, ":")
		data, _ := json.Marshal(map[string]string{"id": id, "mode": mode})
		entries = append(entries, ktypes.PutRecordsRequestEntry{Data: data, PartitionKey: aws.String("T#acme#contact-1")})
		ids = append(ids, id)
	}
	out, err := kin.PutRecords(context.Background(), &kinesis.PutRecordsInput{StreamName: aws.String(st.Ref(stream)), Records: entries})
	if err != nil {
		t.Fatalf("put records: %v", err)
	}
	seqs := map[string]string{}
	for i, r := range out.Records {
		seqs[ids[i]] = aws.ToString(r.SequenceNumber)
	}
	return seqs
}

// batches returns the "BATCH [...]" lines one function printed, in order.
func batches(logs *logBuffer, fn string) []string {
	lines, _ := logs.snapshot()
	var out []string
	for _, l := range lines {
		if rest, ok := strings.CutPrefix(l, "["+fn+"] BATCH "); ok {
			out = append(out, rest)
		}
	}
	return out
}

func receiveFailures(t *testing.T, st *Stack, want int) []failureRecord {
	t.Helper()
	q := sqs.NewFromConfig(testAWSConfig(), func(o *sqs.Options) { o.BaseEndpoint = aws.String(st.SQSURL()) })
	var got []failureRecord
	deadline := time.Now().Add(10 * time.Second)
	for len(got) < want && time.Now().Before(deadline) {
		out, err := q.ReceiveMessage(context.Background(), &sqs.ReceiveMessageInput{
			QueueUrl: aws.String(st.QueueURL("FailureQueue")), MaxNumberOfMessages: 10, WaitTimeSeconds: 2,
		})
		if err != nil {
			t.Fatalf("receive from the failure queue: %v", err)
		}
		for _, m := range out.Messages {
			var fr failureRecord
			dec := json.NewDecoder(strings.NewReader(aws.ToString(m.Body)))
			dec.DisallowUnknownFields()
			if err := dec.Decode(&fr); err != nil {
				t.Fatalf("failure record %s: %v", aws.ToString(m.Body), err)
			}
			got = append(got, fr)
			if _, err := q.DeleteMessage(context.Background(), &sqs.DeleteMessageInput{QueueUrl: aws.String(st.QueueURL("FailureQueue")), ReceiptHandle: m.ReceiptHandle}); err != nil {
				t.Fatal(err)
			}
		}
	}
	if len(got) != want {
		t.Fatalf("%d failure records, want %d", len(got), want)
	}
	return got
}

func TestKinesisEventSourceMapping(t *testing.T) {
	st, logs := startStack(t, "stream.yaml", nil)

	t.Run("a partial failure is retried from the failed record only", func(t *testing.T) {
		putRecords(t, st, "PartialStream", "a:ok", "b:ok", "c:once", "d:ok")
		logs.waitLines(t, 30*time.Second, 1, "[PartialConsumer] PROCESSED d")
		for _, id := range []string{"a", "b", "c", "d"} {
			if n := logs.count("[PartialConsumer] PROCESSED " + id); n != 1 {
				t.Errorf("%s processed %d times, want once", id, n)
			}
		}
		if got, want := strings.Join(batches(logs, "PartialConsumer"), " "), "[a b c d] [c d]"; got != want {
			t.Errorf("batches %s, want %s", got, want)
		}
	})

	t.Run("retries exhausted go to the failure destination and the shard moves on", func(t *testing.T) {
		seqs := putRecords(t, st, "DLQStream", "e:ok", "f:always", "g:ok", "h:ok")
		logs.waitLines(t, 30*time.Second, 1, "[DLQConsumer] PROCESSED h")
		for id, want := range map[string]int{"e": 1, "f": 0, "g": 1, "h": 1} {
			if n := logs.count("[DLQConsumer] PROCESSED " + id); n != want {
				t.Errorf("%s processed %d times, want %d", id, n, want)
			}
		}
		// BatchSize 2: [e f] fails at f; f alone is retried twice (MaximumRetryAttempts 2), then
		// discarded; [g h] follows.
		if got, want := strings.Join(batches(logs, "DLQConsumer"), " "), "[e f] [f] [f] [g h]"; got != want {
			t.Errorf("batches %s, want %s", got, want)
		}
		fr := receiveFailures(t, st, 1)[0]
		bi := fr.KinesisBatchInfo
		checks := []struct {
			name      string
			got, want any
		}{
			{"condition", fr.RequestContext.Condition, "RetryAttemptsExhausted"},
			{"approximateInvokeCount", fr.RequestContext.ApproximateInvokeCount, 3},
			{"functionArn", fr.RequestContext.FunctionArn, functionARN(st.Ref("DLQConsumer"))},
			{"statusCode", fr.ResponseContext.StatusCode, 200},
			{"executedVersion", fr.ResponseContext.ExecutedVersion, "$LATEST"},
			{"version", fr.Version, "1.0"},
			{"shardId", bi.ShardID, "shardId-000000000000"},
			{"startSequenceNumber", bi.StartSequenceNumber, seqs["f"]},
			{"endSequenceNumber", bi.EndSequenceNumber, seqs["f"]},
			{"batchSize", bi.BatchSize, 1},
			{"streamArn", bi.StreamArn, streamARN(st.Ref("DLQStream"))},
		}
		for _, c := range checks {
			if c.got != c.want {
				t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
			}
		}
		for _, ts := range []string{fr.Timestamp, bi.ApproximateArrivalOfFirstRecord, bi.ApproximateArrivalOfLastRecord} {
			if _, err := time.Parse(time.RFC3339Nano, ts); err != nil {
				t.Errorf("timestamp %q: %v", ts, err)
			}
		}
	})

	t.Run("a function error bisects the batch", func(t *testing.T) {
		seqs := putRecords(t, st, "BisectStream", "p1:ok", "p2:poison", "p3:ok", "p4:ok")
		logs.waitLines(t, 30*time.Second, 1, "[BisectConsumer] PROCESSED p4")
		want := "[p1 p2 p3 p4] [p1 p2] [p1] [p2] [p2] [p3 p4]"
		if got := strings.Join(batches(logs, "BisectConsumer"), " "); got != want {
			t.Errorf("batches %s, want %s", got, want)
		}
		fr := receiveFailures(t, st, 1)[0]
		if fr.KinesisBatchInfo.StartSequenceNumber != seqs["p2"] || fr.KinesisBatchInfo.BatchSize != 1 ||
			fr.ResponseContext.FunctionError != "Unhandled" || fr.RequestContext.ApproximateInvokeCount != 4 {
			t.Errorf("failure record %+v", fr)
		}
	})
}

// Records older than MaximumRecordAgeInSeconds go to the failure destination without an invocation.
// The stack's clock runs two minutes ahead, so every record is already too old.
func TestKinesisRecordAge(t *testing.T) {
	clock := newFakeClock(time.Now().Add(2 * time.Minute))
	st, logs := startStack(t, "stream.yaml", func(c *Config) { c.Clock = clock })
	seqs := putRecords(t, st, "AgedStream", "z1:ok", "z2:ok")
	fr := receiveFailures(t, st, 1)[0]
	if fr.RequestContext.Condition != "RecordAgeExceeded" || fr.RequestContext.ApproximateInvokeCount != 0 ||
		fr.KinesisBatchInfo.StartSequenceNumber != seqs["z1"] || fr.KinesisBatchInfo.EndSequenceNumber != seqs["z2"] {
		t.Errorf("failure record %+v", fr)
	}
	if n := len(batches(logs, "AgedConsumer")); n != 0 {
		t.Errorf("the function was invoked %d times with expired records", n)
	}
}

// Checkpoints survive a restart: nothing is processed twice, and a LATEST mapping keeps the
// position it started from, so records written while devstack was down are not lost.
func TestKinesisCheckpointsSurviveRestart(t *testing.T) {
	state := t.TempDir()
	name := "ckpt-" + newUUID()[:6]
	same := func(c *Config) { c.StateDir, c.StackName = state, name }

	// A record already in the stream before the LATEST mapping first runs is not for it.
	e := emulators.ForTest(t)
	cl := newClients(e.DynamoDB, e.Kinesis, e.S3)
	latest := physicalName(name, "LatestStream", 128, false)
	if err := cl.ensureStream(context.Background(), &streamSpec{Name: latest, Shards: 1}); err != nil {
		t.Fatal(err)
	}
	data, _ := json.Marshal(map[string]string{"id": "old", "mode": "ok"})
	if _, err := cl.kin.PutRecord(context.Background(), &kinesis.PutRecordInput{StreamName: aws.String(latest), Data: data, PartitionKey: aws.String("p")}); err != nil {
		t.Fatal(err)
	}

	st, logs := startStack(t, "stream.yaml", same)
	putRecords(t, st, "PartialStream", "x1:ok", "x2:ok")
	putRecords(t, st, "LatestStream", "l1:ok")
	logs.waitLines(t, 30*time.Second, 1, "[PartialConsumer] PROCESSED x2")
	logs.waitLines(t, 30*time.Second, 1, "[LatestConsumer] PROCESSED l1")
	if logs.count("[LatestConsumer] PROCESSED old") != 0 {
		t.Errorf("a LATEST mapping processed a record written before it started")
	}
	st.Close()
	ckpt, err := os.ReadFile(filepath.Join(state, "esm", "PartialConsumer.Stream.json"))
	if err != nil || !strings.Contains(string(ckpt), "shardId-000000000000") {
		t.Fatalf("checkpoint file: %v %s", err, ckpt)
	}
	data, _ = json.Marshal(map[string]string{"id": "l2", "mode": "ok"}) // written while devstack is down
	if _, err := cl.kin.PutRecord(context.Background(), &kinesis.PutRecordInput{StreamName: aws.String(latest), Data: data, PartitionKey: aws.String("p")}); err != nil {
		t.Fatal(err)
	}

	st2, logs2 := startStack(t, "stream.yaml", same)
	putRecords(t, st2, "PartialStream", "x3:ok")
	logs2.waitLines(t, 30*time.Second, 1, "[PartialConsumer] PROCESSED x3")
	logs2.waitLines(t, 30*time.Second, 1, "[LatestConsumer] PROCESSED l2")
	for _, id := range []string{"[PartialConsumer] PROCESSED x1", "[PartialConsumer] PROCESSED x2", "[LatestConsumer] PROCESSED l1", "[LatestConsumer] PROCESSED old"} {
		if logs2.count(id) != 0 {
			t.Errorf("after the restart: %s again", id)
		}
	}
}

func TestFirstFailure(t *testing.T) {
	recs := []ktypes.Record{{SequenceNumber: aws.String("1")}, {SequenceNumber: aws.String("2")}, {SequenceNumber: aws.String("3")}}
	cases := []struct {
		name    string
		payload string
		idx     int
		ok      bool
	}{
		{"null", `null`, -1, true},
		{"empty", ``, -1, true},
		{"empty object", `{}`, -1, true},
		{"empty list", `{"batchItemFailures":[]}`, -1, true},
		{"null list", `{"batchItemFailures":null}`, -1, true},
		{"lowest wins", `{"batchItemFailures":[{"itemIdentifier":"3"},{"itemIdentifier":"2"}]}`, 1, true},
		{"unknown sequence number", `{"batchItemFailures":[{"itemIdentifier":"9"}]}`, 0, false},
		{"empty identifier", `{"batchItemFailures":[{"itemIdentifier":""}]}`, 0, false},
		{"null identifier", `{"batchItemFailures":[{"itemIdentifier":null}]}`, 0, false},
		{"bad key", `{"batchItemFailures":[{"itemId":"2"}]}`, 0, false},
		{"invalid JSON", `{"batchItemFailures":`, 0, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			idx, ok := firstFailure([]byte(c.payload), recs)
			if ok != c.ok || ok && idx != c.idx {
				t.Errorf("got (%d, %v), want (%d, %v)", idx, ok, c.idx, c.ok)
			}
		})
	}
}

// Regression (issue 7, defect 10): a killed kinesalite stayed a zombie and events piled up. The
// emulators devstack starts are supervised: after a SIGKILL kinesalite is back on its port with its
// data, the mapping resumes from its checkpoint, and the log says what happened.
func TestKilledEmulatorIsRestarted(t *testing.T) {
	st, logs := startStack(t, "stream.yaml", func(c *Config) { c.Endpoints = nil })
	putRecords(t, st, "PartialStream", "before:ok")
	logs.waitLines(t, 30*time.Second, 1, "[PartialConsumer] PROCESSED before")

	if err := syscall.Kill(st.emu.Pid("kinesalite"), syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	logs.waitLines(t, 30*time.Second, 1, "[emulators] restarted kinesalite after exit")
	kin := kinesis.NewFromConfig(testAWSConfig(), func(o *kinesis.Options) { o.BaseEndpoint = aws.String(st.Endpoints().Kinesis) })
	data, _ := json.Marshal(map[string]string{"id": "after", "mode": "ok"})
	if _, err := kin.PutRecord(t.Context(), &kinesis.PutRecordInput{StreamName: aws.String(st.Ref("PartialStream")), Data: data, PartitionKey: aws.String("p")}); err != nil {
		t.Fatalf("put after the restart: %v", err)
	}
	logs.waitLines(t, 30*time.Second, 1, "[PartialConsumer] PROCESSED after")
	if n := logs.count("[PartialConsumer] PROCESSED before"); n != 1 {
		t.Errorf("the record from before the kill was processed %d times; the stream lost its data or the mapping its place", n)
	}
}

// A mapping whose Stream is an enhanced fan-out consumer reads the consumer's stream with the same
// batches and checkpoints, at the push's pace: the stack's standard polling is an hour here, so a
// record written after an idle poll arrives only through the consumer's short interval.
func TestKinesisThroughStreamConsumer(t *testing.T) {
	st, logs := startStack(t, "fanout.yaml", func(c *Config) { c.StreamPollInterval = time.Hour })
	for _, id := range []string{"f1", "f2", "f3"} {
		putRecords(t, st, "FanOutStream", id+":ok")
		logs.waitLines(t, 30*time.Second, 1, "[PushConsumer] PROCESSED "+id)
	}
	for _, id := range []string{"f1", "f2", "f3"} {
		if n := logs.count("[PushConsumer] PROCESSED " + id); n != 1 {
			t.Errorf("%s processed %d times", id, n)
		}
	}
	arn, _ := st.model.getAtt("FanOutStreamConsumer", "ConsumerARN")
	if want := st.model.esms[0].StreamARN + "/consumer/" + st.cfg.StackName + "-push:0"; arn != want {
		t.Errorf("consumer ARN %v, want %s", arn, want)
	}
	st.Close()
	ckpt, err := os.ReadFile(filepath.Join(st.cfg.StateDir, "esm", "PushConsumer.Stream.json"))
	if err != nil || !strings.Contains(string(ckpt), "shardId-000000000000") {
		t.Fatalf("checkpoint file: %v %s", err, ckpt)
	}
}
