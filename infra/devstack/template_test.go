package devstack

import (
	"errors"
	"io"
	"log/slog"
	"reflect"
	"strings"
	"testing"
)

const intrinsicsTemplate = `
Parameters:
  Env:
    Type: String
    Default: dev
    AllowedValues: [dev, prod]
  Zones:
    Type: CommaDelimitedList
    Default: "a,b,c"
  Required:
    Type: String
    AllowedPattern: "[a-z]+"
    MaxLength: 8
Mappings:
  Sizes:
    dev: {Memory: 256}
    prod: {Memory: 1024}
Conditions:
  IsProd: !Equals [!Ref Env, prod]
  IsDev: !Not [!Condition IsProd]
  Both: !And [!Condition IsDev, !Equals [x, x]]
Globals:
  Function:
    Timeout: 7
    Environment:
      Variables:
        FROM_GLOBALS: g
        OVERRIDDEN: global
    Layers: [l1]
Resources:
  Table:
    Type: AWS::DynamoDB::Table
    Properties:
      TableName: !Sub "${AWS::StackName}-main"
  Stream:
    Type: AWS::Kinesis::Stream
  Queue:
    Type: AWS::SQS::Queue
  Bucket:
    Type: AWS::S3::Bucket
  ProdOnly:
    Type: AWS::S3::Bucket
    Condition: IsProd
  Api:
    Type: AWS::Serverless::HttpApi
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: functions/x
      Runtime: provided.al2023
      Layers: [l2]
      Environment:
        Variables:
          OVERRIDDEN: own
          TABLE: !Ref Table
          TABLE_ARN: !GetAtt Table.Arn
          STREAM_ARN: !GetAtt [Stream, Arn]
          QUEUE_URL: !Ref Queue
          QUEUE_ARN: !GetAtt Queue.Arn
          BUCKET: !Ref Bucket
          SELF: !GetAtt Fn.Arn
          ROLE: !GetAtt FnRole.Arn
          SUB_VARS: !Sub ["${A}-${B}", {A: !Ref Env, B: lit}]
          SUB_ESCAPE: !Sub "${!Literal}-${AWS::Region}-${AWS::AccountId}"
          JOIN: !Join [":", [a, !Ref Env, !Select [1, !Ref Zones]]]
          SPLIT: !Select [2, !Split [",", "x,y,z"]]
          IF: !If [IsProd, p, d]
          IF_NOVALUE: !If [IsProd, p, !Ref AWS::NoValue]
          MAP: !FindInMap [Sizes, !Ref Env, Memory]
          B64: !Base64 hi
          REQUIRED: !Ref Required
          LONG_FORM: {"Fn::Join": ["", ["x", {"Ref": "Env"}]]}
          API: !Sub "https://${Api}.execute-api.${AWS::Region}.amazonaws.com/v1"
          COND: !If [Both, yes, no]
`

func testModel(t *testing.T, src string, params map[string]string) (*model, error) {
	t.Helper()
	tmpl, err := parseTemplate([]byte(src))
	if err != nil {
		return nil, err
	}
	tmpl.Dir = "/tmp/tmpl"
	m, err := newModel("s", tmpl, params, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		return nil, err
	}
	m.sqsBase = "http://127.0.0.1:9324"
	m.localAPIs[m.apiID("Api")] = "http://127.0.0.1:3000"
	return m, m.build()
}

func TestResolveIntrinsics(t *testing.T) {
	m, err := testModel(t, intrinsicsTemplate, map[string]string{"Required": "r"})
	if err != nil {
		t.Fatal(err)
	}
	fn := m.functions["Fn"]
	want := map[string]string{
		"FROM_GLOBALS": "g",
		"OVERRIDDEN":   "own",
		"TABLE":        "s-main",
		"TABLE_ARN":    "arn:aws:dynamodb:us-east-1:000000000000:table/s-main",
		"STREAM_ARN":   "arn:aws:kinesis:us-east-1:000000000000:stream/s-Stream",
		"QUEUE_URL":    "http://127.0.0.1:9324/000000000000/s-Queue",
		"QUEUE_ARN":    "arn:aws:sqs:us-east-1:000000000000:s-Queue",
		"BUCKET":       "s-bucket",
		"SELF":         "arn:aws:lambda:us-east-1:000000000000:function:s-Fn",
		"ROLE":         "arn:aws:iam::000000000000:role/s-FnRole",
		"SUB_VARS":     "dev-lit",
		"SUB_ESCAPE":   "${Literal}-us-east-1-000000000000",
		"JOIN":         "a:dev:b",
		"SPLIT":        "z",
		"IF":           "d",
		"MAP":          "256",
		"B64":          "aGk=",
		"REQUIRED":     "r",
		"LONG_FORM":    "xdev",
		"API":          "http://127.0.0.1:3000/v1",
		"COND":         "yes",
	}
	if !reflect.DeepEqual(fn.Env, want) {
		for k, v := range want {
			if fn.Env[k] != v {
				t.Errorf("%s = %q, want %q", k, fn.Env[k], v)
			}
		}
		for k := range fn.Env {
			if _, ok := want[k]; !ok {
				t.Errorf("unexpected %s = %q", k, fn.Env[k])
			}
		}
	}
	if fn.Timeout.Seconds() != 7 || fn.MemoryMB != 128 || fn.Handler != "bootstrap" || fn.CodeDir != "/tmp/tmpl/functions/x" {
		t.Errorf("function %+v", fn)
	}
	if !reflect.DeepEqual(m.tmpl.Resources["Fn"].Properties["Layers"], []any{"l1", "l2"}) {
		t.Errorf("Globals lists are not concatenated: %v", m.tmpl.Resources["Fn"].Properties["Layers"])
	}
	if len(m.buckets) != 1 || m.buckets[0] != "s-bucket" {
		t.Errorf("buckets %v: the IsProd-only bucket must be skipped", m.buckets)
	}

	prod, err := testModel(t, intrinsicsTemplate, map[string]string{"Required": "r", "Env": "prod"})
	if err != nil {
		t.Fatal(err)
	}
	if e := prod.functions["Fn"].Env; e["IF"] != "p" || e["IF_NOVALUE"] != "p" || e["MAP"] != "1024" || e["COND"] != "no" || len(prod.buckets) != 2 {
		t.Errorf("prod: %v, buckets %v", e, prod.buckets)
	}
}

func TestTemplateErrors(t *testing.T) {
	fn := func(env string) string {
		return `
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: functions/x
      Runtime: provided.al2023
      Environment:
        Variables:
` + env
	}
	cases := []struct {
		name   string
		src    string
		params map[string]string
		want   string
	}{
		{"missing parameter", intrinsicsTemplate, nil, "Required"},
		{"unknown override", intrinsicsTemplate, map[string]string{"Required": "r", "Nope": "x"}, "Nope"},
		{"not an allowed value", intrinsicsTemplate, map[string]string{"Required": "r", "Env": "qa"}, "not one of"},
		{"not the allowed pattern", intrinsicsTemplate, map[string]string{"Required": "R2"}, "AllowedPattern"},
		{"too long", intrinsicsTemplate, map[string]string{"Required": "abcdefghij"}, "MaxLength"},
		{"alias bomb", "a: &a [x,x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d,*d]\nf: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e,*e]\ng: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f,*f]\n", nil, "more than"},
		{"reserved variable", fn("          AWS_REGION: eu-west-1\n"), nil, "reserved"},
		{"unknown Ref", fn("          X: !Ref Nothing\n"), nil, "Nothing"},
		{"import", fn("          X: !ImportValue shared-table\n"), nil, "Fn::ImportValue"},
		{"node runtime", strings.Replace(fn("          X: y\n"), "provided.al2023", "nodejs20.x", 1), nil, "nodejs20.x"},
		{"bad timeout", strings.Replace(fn("          X: y\n"), "Runtime:", "Timeout: 901\n      Runtime:", 1), nil, "Timeout"},
		{"bad schedule", `
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: functions/x
      Runtime: provided.al2023
      Events:
        Tick:
          Type: Schedule
          Properties:
            Schedule: rate(1 minutes)
`, nil, "rate(1 minutes)"},
		{"stream not in template", `
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: functions/x
      Runtime: provided.al2023
      Events:
        S:
          Type: Kinesis
          Properties:
            Stream: arn:aws:kinesis:us-east-1:123456789012:stream/elsewhere
            StartingPosition: LATEST
`, nil, "not a Kinesis stream declared"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := testModel(t, c.src, c.params)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("err = %v, want one mentioning %q", err, c.want)
			}
		})
	}
	_, err := testModel(t, strings.Replace(fn("          X: y\n"), "provided.al2023", "python3.12", 1), nil)
	if !errors.Is(err, errUnsupported) {
		t.Errorf("unsupported runtime: %v is not errUnsupported", err)
	}
}

func TestEventsAndRoutes(t *testing.T) {
	m, err := testModel(t, `
Resources:
  Stream:
    Type: AWS::Kinesis::Stream
    Properties:
      StreamModeDetails: {StreamMode: ON_DEMAND}
  Dlq:
    Type: AWS::SQS::Queue
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: functions/x
      Runtime: provided.al2023
      Events:
        Implicit:
          Type: HttpApi
          Properties: {Path: "/a/{b}", Method: get}
        Default:
          Type: HttpApi
        S:
          Type: Kinesis
          Properties:
            Stream: !GetAtt Stream.Arn
            StartingPosition: TRIM_HORIZON
            BatchSize: 25
            MaximumBatchingWindowInSeconds: 2
            FunctionResponseTypes: [ReportBatchItemFailures]
            BisectBatchOnFunctionError: true
            MaximumRetryAttempts: 3
            MaximumRecordAgeInSeconds: 120
            DestinationConfig: {OnFailure: {Destination: !GetAtt Dlq.Arn}}
        Cron:
          Type: Schedule
          Properties: {Schedule: "cron(0 12 * * ? *)", Enabled: true}
        Off:
          Type: Schedule
          Properties: {Schedule: "rate(1 minute)", Enabled: false}
`, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(m.streams) != 1 || m.streams[0].Shards != onDemandShards {
		t.Errorf("streams %+v", m.streams)
	}
	if len(m.routes) != 2 || m.routes[0].Path != defaultStage || m.routes[1].Method != "GET" || m.routes[1].APILogicalID != implicitHTTPAPI {
		t.Errorf("routes %+v %+v", m.routes[0], m.routes[1])
	}
	e := m.esms[0]
	if e.BatchSize != 25 || e.Window.Seconds() != 2 || !e.ReportFailures || !e.Bisect || e.MaxRetries != 3 || e.MaxAge.Seconds() != 120 ||
		e.OnFailureARN != "arn:aws:sqs:us-east-1:000000000000:s-Dlq" || e.StreamName != "s-Stream" {
		t.Errorf("esm %+v", e)
	}
	if len(m.schedules) != 1 || m.schedules[0].Expr != "cron(0 12 * * ? *)" {
		t.Errorf("schedules %+v", m.schedules)
	}
}

// An enhanced fan-out consumer resolves like CloudFormation's (Ref and ConsumerARN are its ARN), and
// a Kinesis event whose Stream is that ARN reads the consumer's stream, marked as a push mapping.
func TestStreamConsumer(t *testing.T) {
	m, err := testModel(t, `
Resources:
  Stream:
    Type: AWS::Kinesis::Stream
    Properties:
      ShardCount: 2
  Consumer:
    Type: AWS::Kinesis::StreamConsumer
    Properties:
      StreamARN: !GetAtt Stream.Arn
      ConsumerName: !Sub "${AWS::StackName}-fn"
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: functions/x
      Runtime: provided.al2023
      Environment:
        Variables:
          REF: !Ref Consumer
          ARN: !GetAtt Consumer.ConsumerARN
          NAME: !GetAtt Consumer.ConsumerName
          STREAM: !GetAtt Consumer.StreamARN
      Events:
        Push:
          Type: Kinesis
          Properties:
            Stream: !GetAtt Consumer.ConsumerARN
            StartingPosition: LATEST
        Poll:
          Type: Kinesis
          Properties:
            Stream: !GetAtt Stream.Arn
            StartingPosition: LATEST
`, nil)
	if err != nil {
		t.Fatal(err)
	}
	stream := "arn:aws:kinesis:us-east-1:000000000000:stream/s-Stream"
	arn := stream + "/consumer/s-fn:0"
	want := map[string]string{"REF": arn, "ARN": arn, "NAME": "s-fn", "STREAM": stream}
	for k, v := range want {
		if got := m.functions["Fn"].Env[k]; got != v {
			t.Errorf("%s = %q, want %q", k, got, v)
		}
	}
	if len(m.consumers) != 1 || m.consumers[0].ARN != arn || m.consumers[0].StreamARN != stream {
		t.Errorf("consumers %+v", m.consumers)
	}
	got := map[string]*esmSpec{}
	for _, e := range m.esms {
		got[e.Event] = e
	}
	if e := got["Push"]; e == nil || e.ConsumerARN != arn || e.StreamARN != stream || e.StreamName != "s-Stream" {
		t.Errorf("push mapping %+v", e)
	}
	if e := got["Poll"]; e == nil || e.ConsumerARN != "" || e.StreamARN != stream {
		t.Errorf("polling mapping %+v", e)
	}

	// A consumer must be registered on a stream of the template.
	_, err = testModel(t, `
Resources:
  Consumer:
    Type: AWS::Kinesis::StreamConsumer
    Properties:
      StreamARN: arn:aws:kinesis:us-east-1:000000000000:stream/elsewhere
      ConsumerName: c
`, nil)
	if err == nil || !strings.Contains(err.Error(), "elsewhere") {
		t.Errorf("consumer of an undeclared stream: %v", err)
	}
}
