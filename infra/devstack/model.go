package devstack

import (
	"fmt"
	"log/slog"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"time"
)

// Resource types devstack understands.
const (
	typeServerlessFunction = "AWS::Serverless::Function"
	typeLambdaFunction     = "AWS::Lambda::Function"
	typeHTTPAPI            = "AWS::Serverless::HttpApi"
	typeTable              = "AWS::DynamoDB::Table"
	typeSimpleTable        = "AWS::Serverless::SimpleTable"
	typeStream             = "AWS::Kinesis::Stream"
	typeStreamConsumer     = "AWS::Kinesis::StreamConsumer"
	typeBucket             = "AWS::S3::Bucket"
	typeQueue              = "AWS::SQS::Queue"
	typeRole               = "AWS::IAM::Role"
	typeV2API              = "AWS::ApiGatewayV2::Api"
	typeV2Route            = "AWS::ApiGatewayV2::Route"
	typeV2Integration      = "AWS::ApiGatewayV2::Integration"
	typeV2Stage            = "AWS::ApiGatewayV2::Stage"
	typeSNSTopic           = "AWS::SNS::Topic"

	implicitHTTPAPI = "ServerlessHttpApi"
	defaultStage    = "$default"
)

// function is one Lambda function as the template declares it, resolved.
type function struct {
	LogicalID    string
	Name         string
	ARN          string
	RoleARN      string
	CodeDir      string // absolute folder of the Go main package
	Handler      string
	Timeout      time.Duration
	MemoryMB     int
	Env          map[string]string // the template's Environment.Variables, resolved and localised
	LogFormat    string            // "JSON" or "" (Text)
	LogLevel     string            // ApplicationLogLevel, with JSON only
	Reserved     int               // ReservedConcurrentExecutions; -1 when unset
	AsyncRetries int               // EventInvokeConfig.MaximumRetryAttempts (default 2)
	Bin          string            // the built bootstrap
}

type tableSpec struct {
	LogicalID string
	Name      string
	Props     map[string]any // resolved properties
	TTLAttr   string
}

type streamSpec struct {
	LogicalID string
	Name      string
	ARN       string
	Shards    int
}

// consumerSpec is an enhanced fan-out consumer registered on a stream of the template.
type consumerSpec struct {
	LogicalID string
	Name      string
	ARN       string
	StreamARN string
}

type queueSpec struct {
	LogicalID string
	Name      string
	Attrs     map[string]string
}

type httpRouteSpec struct {
	APILogicalID string
	APIID        string
	Stage        string
	Method       string // upper case, or ANY
	Path         string // "/a/{b}/{c+}" or "$default"
	Function     string // logical id
	Timeout      time.Duration
}

type wsRouteSpec struct {
	Key            string
	Function       string
	ReturnResponse bool // a RouteResponseSelectionExpression is set: the integration's body goes back
}

type wsAPISpec struct {
	LogicalID string
	ID        string
	Stage     string
	Selection string
	Routes    map[string]*wsRouteSpec
}

type esmSpec struct {
	Function         string
	Event            string
	StreamARN        string
	StreamName       string
	ConsumerARN      string // the mapping reads through this enhanced fan-out consumer ("": polls the stream)
	StartingPosition string
	StartAt          time.Time
	BatchSize        int
	Window           time.Duration
	ReportFailures   bool
	Bisect           bool
	MaxRetries       int           // -1: until the record expires
	MaxAge           time.Duration // 0: no limit
	OnFailureARN     string
}

type scheduleSpec struct {
	Function string
	Event    string
	Rule     string
	Expr     string
	Input    string // the event's Input, sent instead of the scheduled event when set
	Location *time.Location
	V2       bool
}

// model is the template turned into local resources and wiring.
type model struct {
	stack string
	tmpl  *Template
	res   *resolver
	log   *slog.Logger

	sqsBase   string            // http://127.0.0.1:port of the SQS endpoint
	localAPIs map[string]string // API id -> local base URL (http://127.0.0.1:port)

	active map[string]bool
	names  map[string]string
	naming map[string]bool
	warned map[string]bool

	functions map[string]*function
	fnByName  map[string]string
	tables    []*tableSpec
	streams   []*streamSpec
	consumers []*consumerSpec
	buckets   []string
	queues    []*queueSpec
	httpAPIs  []string // logical ids of HTTP APIs (SAM and plain), sorted
	routes    []*httpRouteSpec
	wsAPIs    []*wsAPISpec
	esms      []*esmSpec
	sqsESMs   []*sqsESMSpec
	schedules []*scheduleSpec
}

func newModel(stack string, t *Template, params map[string]string, log *slog.Logger) (*model, error) {
	m := &model{
		stack: stack, tmpl: t, log: log,
		localAPIs: map[string]string{},
		active:    map[string]bool{}, names: map[string]string{}, naming: map[string]bool{}, warned: map[string]bool{},
		functions: map[string]*function{}, fnByName: map[string]string{},
	}
	res, err := newResolver(stack, t, params)
	if err != nil {
		return nil, err
	}
	res.ref = m.ref
	res.getAtt = m.getAtt
	m.res = res
	for id, r := range t.Resources {
		on := true
		if r.Condition != "" {
			if on, err = res.condition(r.Condition); err != nil {
				return nil, fmt.Errorf("resource %s: %w", id, err)
			}
		}
		m.active[id] = on
	}
	return m, nil
}

func (m *model) warn(key, msg string, args ...any) {
	if m.warned[key] {
		return
	}
	m.warned[key] = true
	m.log.Warn(msg, args...)
}

// resource finds a declared resource, or one that SAM creates implicitly (ServerlessHttpApi, the
// role of a function without one).
func (m *model) resource(id string) (*Resource, bool) {
	if r, ok := m.tmpl.Resources[id]; ok {
		return r, m.active[id]
	}
	if id == implicitHTTPAPI {
		return &Resource{LogicalID: id, Type: typeHTTPAPI, Properties: map[string]any{}}, true
	}
	if fn, ok := strings.CutSuffix(id, "Role"); ok {
		if r, ok := m.tmpl.Resources[fn]; ok && r.Type == typeServerlessFunction {
			return &Resource{LogicalID: id, Type: typeRole, Properties: map[string]any{}}, m.active[fn]
		}
	}
	return nil, false
}

// physical returns the local name of a resource: its declared name property when it has one, else
// "<stack>-<LogicalId>".
func (m *model) physical(id string) (string, error) {
	if n, ok := m.names[id]; ok {
		return n, nil
	}
	r, ok := m.resource(id)
	if !ok {
		return "", fmt.Errorf("no resource %s", id)
	}
	if m.naming[id] {
		return "", fmt.Errorf("resource %s: its name refers to itself", id)
	}
	m.naming[id] = true
	defer delete(m.naming, id)
	prop, max, lower := "", 128, false
	switch r.Type {
	case typeTable, typeSimpleTable:
		prop, max = "TableName", 255
	case typeStream:
		prop = "Name"
	case typeStreamConsumer:
		prop = "ConsumerName"
	case typeBucket:
		prop, max, lower = "BucketName", 63, true
	case typeQueue:
		prop, max = "QueueName", 80
	case typeServerlessFunction, typeLambdaFunction:
		prop, max = "FunctionName", 64
	case typeRole:
		prop, max = "RoleName", 64
	case typeV2Stage:
		prop = "StageName"
	case typeSNSTopic:
		prop, max = "TopicName", 256
	case "AWS::Logs::LogGroup":
		prop, max = "LogGroupName", 512
	}
	var name string
	if v, ok := r.Properties[prop]; ok && prop != "" {
		s, err := m.res.str(v)
		if err != nil {
			return "", fmt.Errorf("resource %s %s: %w", id, prop, err)
		}
		name = s
	} else {
		name = physicalName(m.stack, id, max, lower)
		if r.Type == typeQueue {
			if fifo, _ := toBool(r.Properties["FifoQueue"], false); fifo {
				name = physicalName(m.stack, id, max-5, false) + ".fifo"
			}
		}
	}
	m.names[id] = name
	return name, nil
}

func (m *model) arn(id string) (string, error) {
	r, _ := m.resource(id)
	name, err := m.physical(id)
	if err != nil {
		return "", err
	}
	switch r.Type {
	case typeTable, typeSimpleTable:
		return fmt.Sprintf("arn:aws:dynamodb:%s:%s:table/%s", Region, AccountID, name), nil
	case typeStream:
		return streamARN(name), nil
	case typeStreamConsumer:
		stream, err := m.res.str(r.Properties["StreamARN"])
		if err != nil {
			return "", fmt.Errorf("resource %s StreamARN: %w", id, err)
		}
		return consumerARN(stream, name), nil
	case typeBucket:
		return "arn:aws:s3:::" + name, nil
	case typeQueue:
		return queueARN(name), nil
	case typeServerlessFunction, typeLambdaFunction:
		return functionARN(name), nil
	case typeRole:
		return fmt.Sprintf("arn:aws:iam::%s:role/%s", AccountID, name), nil
	case typeSNSTopic:
		return fmt.Sprintf("arn:aws:sns:%s:%s:%s", Region, AccountID, name), nil
	}
	return "", fmt.Errorf("%s has no Arn locally", r.Type)
}

func streamARN(name string) string {
	return fmt.Sprintf("arn:aws:kinesis:%s:%s:stream/%s", Region, AccountID, name)
}

// consumerARN is a stream consumer's ARN. AWS ends it with the consumer's creation time (epoch
// seconds); locally that is 0, so the ARN stays the same across restarts.
func consumerARN(stream, name string) string { return stream + "/consumer/" + name + ":0" }

func queueARN(name string) string {
	return fmt.Sprintf("arn:aws:sqs:%s:%s:%s", Region, AccountID, name)
}
func functionARN(name string) string {
	return fmt.Sprintf("arn:aws:lambda:%s:%s:function:%s", Region, AccountID, name)
}

func (m *model) apiID(id string) string { return apiGatewayID(m.stack + "/" + id) }

// ref is what !Ref of a resource gives in CloudFormation, for the local resources.
func (m *model) ref(id string) (any, error) {
	r, ok := m.resource(id)
	if r == nil {
		return nil, fmt.Errorf("Ref %s: no such parameter or resource", id)
	}
	if !ok {
		return nil, fmt.Errorf("Ref %s: the resource is switched off by its Condition", id)
	}
	switch r.Type {
	case typeQueue:
		name, err := m.physical(id)
		if err != nil {
			return nil, err
		}
		return m.queueURL(name), nil
	case typeHTTPAPI, typeV2API:
		return m.apiID(id), nil
	case typeSNSTopic, typeStreamConsumer:
		return m.arn(id)
	case typeV2Integration, typeV2Route:
		return apiGatewayID(m.stack + "/" + id)[:7], nil
	case typeV2Stage:
		return m.physical(id)
	}
	return m.physical(id)
}

func (m *model) queueURL(name string) string { return m.sqsBase + "/" + AccountID + "/" + name }

// getAtt is what !GetAtt gives in CloudFormation, for the local resources.
func (m *model) getAtt(id, attr string) (any, error) {
	r, ok := m.resource(id)
	if r == nil {
		return nil, fmt.Errorf("GetAtt %s.%s: no such resource", id, attr)
	}
	if !ok {
		return nil, fmt.Errorf("GetAtt %s.%s: the resource is switched off by its Condition", id, attr)
	}
	name, err := m.physical(id)
	if err != nil {
		return nil, err
	}
	switch r.Type + "." + attr {
	case typeTable + ".Arn", typeStream + ".Arn", typeBucket + ".Arn", typeQueue + ".Arn",
		typeServerlessFunction + ".Arn", typeLambdaFunction + ".Arn", typeRole + ".Arn", typeSNSTopic + ".TopicArn":
		return m.arn(id)
	case typeTable + ".StreamArn":
		a, _ := m.arn(id)
		m.warn("ddbstream", "DynamoDB Streams are not emulated; StreamArn is a placeholder", "table", id)
		return a + "/stream/1970-01-01T00:00:00.000", nil
	case typeStream + ".Name", typeTable + ".TableName", typeQueue + ".QueueName", typeSNSTopic + ".TopicName":
		return name, nil
	case typeQueue + ".QueueUrl":
		return m.queueURL(name), nil
	case typeStreamConsumer + ".ConsumerARN":
		return m.arn(id)
	case typeStreamConsumer + ".ConsumerName":
		return name, nil
	case typeStreamConsumer + ".StreamARN":
		return m.res.str(r.Properties["StreamARN"])
	case typeStreamConsumer + ".ConsumerStatus":
		return "ACTIVE", nil
	case typeStreamConsumer + ".ConsumerCreationTimestamp":
		return "1970-01-01T00:00:00Z", nil
	case typeBucket + ".DomainName":
		return name + ".s3.amazonaws.com", nil
	case typeBucket + ".RegionalDomainName":
		return name + ".s3." + Region + ".amazonaws.com", nil
	case typeBucket + ".WebsiteURL":
		return "http://" + name + ".s3-website-" + Region + ".amazonaws.com", nil
	case typeRole + ".RoleId":
		return "AROA" + strings.ToUpper(apiGatewayID(id)), nil
	case typeHTTPAPI + ".ApiEndpoint", typeV2API + ".ApiEndpoint":
		scheme := "https"
		if r.Type == typeV2API && strings.EqualFold(m.strProp(r, "ProtocolType"), "WEBSOCKET") {
			scheme = "wss"
		}
		return fmt.Sprintf("%s://%s.execute-api.%s.amazonaws.com", scheme, m.apiID(id), Region), nil
	case typeHTTPAPI + ".ApiId", typeV2API + ".ApiId":
		return m.apiID(id), nil
	}
	m.warn("getatt/"+id+"/"+attr, "GetAtt is not emulated; using a placeholder", "resource", id, "type", r.Type, "attribute", attr)
	return fmt.Sprintf("arn:aws:devstack:%s:%s:unresolved/%s/%s", Region, AccountID, id, attr), nil
}

func (m *model) strProp(r *Resource, key string) string {
	s, err := m.res.str(r.Properties[key])
	if err != nil {
		return ""
	}
	return s
}

var executeAPIURL = regexp.MustCompile(`(https?|wss?)://([a-z0-9]{10})\.execute-api\.[a-z0-9-]+\.amazonaws\.com`)
var sqsURL = regexp.MustCompile(`https?://sqs\.[a-z0-9-]+\.amazonaws\.com/`)

// localize rewrites AWS endpoints of this stack's APIs and queues in s to the local ones, so that a
// URL built with !Sub "https://${Api}.execute-api.${AWS::Region}.amazonaws.com/${Stage}" reaches
// devstack.
func (m *model) localize(s string) string {
	s = executeAPIURL.ReplaceAllStringFunc(s, func(u string) string {
		sub := executeAPIURL.FindStringSubmatch(u)
		base, ok := m.localAPIs[sub[2]]
		if !ok {
			return u
		}
		if strings.HasPrefix(sub[1], "ws") {
			return "ws" + strings.TrimPrefix(base, "http")
		}
		return base
	})
	return sqsURL.ReplaceAllString(s, m.sqsBase+"/")
}

// build reads every resource the stack runs.
func (m *model) build() error {
	t := m.tmpl
	for _, id := range t.sortedIDs(typeTable, typeSimpleTable) {
		if !m.active[id] {
			continue
		}
		if err := m.buildTable(id); err != nil {
			return err
		}
	}
	for _, id := range t.sortedIDs(typeStream) {
		if !m.active[id] {
			continue
		}
		r := t.Resources[id]
		name, err := m.physical(id)
		if err != nil {
			return err
		}
		props, err := m.res.resolve(r.Properties)
		if err != nil {
			return fmt.Errorf("stream %s: %w", id, err)
		}
		p := asMap(props)
		shards, err := toInt(p["ShardCount"], 0)
		if err != nil {
			return fmt.Errorf("stream %s ShardCount: %w", id, err)
		}
		if mode := scalarString(asMap(p["StreamModeDetails"])["StreamMode"]); mode == "ON_DEMAND" || shards == 0 && mode == "" {
			shards = onDemandShards
		}
		m.streams = append(m.streams, &streamSpec{LogicalID: id, Name: name, ARN: streamARN(name), Shards: shards})
	}
	for _, id := range t.sortedIDs(typeStreamConsumer) {
		if !m.active[id] {
			continue
		}
		name, err := m.physical(id)
		if err != nil {
			return err
		}
		stream, err := m.res.str(t.Resources[id].Properties["StreamARN"])
		if err != nil {
			return fmt.Errorf("stream consumer %s StreamARN: %w", id, err)
		}
		if m.stream(stream) == nil {
			return fmt.Errorf("stream consumer %s: StreamARN %q is not a Kinesis stream declared in this template", id, stream)
		}
		m.consumers = append(m.consumers, &consumerSpec{LogicalID: id, Name: name, ARN: consumerARN(stream, name), StreamARN: stream})
	}
	for _, id := range t.sortedIDs(typeBucket) {
		if !m.active[id] {
			continue
		}
		name, err := m.physical(id)
		if err != nil {
			return err
		}
		m.buckets = append(m.buckets, name)
	}
	for _, id := range t.sortedIDs(typeQueue) {
		if !m.active[id] {
			continue
		}
		name, err := m.physical(id)
		if err != nil {
			return err
		}
		props, err := m.res.resolve(t.Resources[id].Properties)
		if err != nil {
			return fmt.Errorf("queue %s: %w", id, err)
		}
		attrs := map[string]string{}
		for _, k := range []string{"VisibilityTimeout", "MessageRetentionPeriod", "DelaySeconds", "ReceiveMessageWaitTimeSeconds", "MaximumMessageSize"} {
			if v, ok := asMap(props)[k]; ok {
				attrs[k] = scalarString(v)
			}
		}
		m.queues = append(m.queues, &queueSpec{LogicalID: id, Name: name, Attrs: attrs})
	}
	for _, id := range t.sortedIDs(typeServerlessFunction, typeLambdaFunction) {
		if !m.active[id] {
			continue
		}
		if err := m.buildFunction(id); err != nil {
			return fmt.Errorf("function %s: %w", id, err)
		}
	}
	for _, id := range t.sortedIDs(typeServerlessFunction) {
		if !m.active[id] {
			continue
		}
		if err := m.buildEvents(id); err != nil {
			return fmt.Errorf("function %s: %w", id, err)
		}
	}
	if err := m.buildV2APIs(); err != nil {
		return err
	}
	return nil
}

// onDemandShards is how many shards an ON_DEMAND stream starts with in AWS.
const onDemandShards = 4

func (m *model) buildTable(id string) error {
	r := m.tmpl.Resources[id]
	name, err := m.physical(id)
	if err != nil {
		return err
	}
	props, err := m.res.resolve(r.Properties)
	if err != nil {
		return fmt.Errorf("table %s: %w", id, err)
	}
	p := asMap(props)
	if r.Type == typeSimpleTable { // SAM's one-key table
		pk := asMap(p["PrimaryKey"])
		kn, kt := scalarString(pk["Name"]), scalarString(pk["Type"])
		if kn == "" {
			kn, kt = "id", "String"
		}
		typ := map[string]string{"String": "S", "Number": "N", "Binary": "B"}[kt]
		p = map[string]any{
			"KeySchema":            []any{map[string]any{"AttributeName": kn, "KeyType": "HASH"}},
			"AttributeDefinitions": []any{map[string]any{"AttributeName": kn, "AttributeType": typ}},
			"BillingMode":          "PAY_PER_REQUEST",
		}
	}
	spec := &tableSpec{LogicalID: id, Name: name, Props: p}
	if ttl := asMap(p["TimeToLiveSpecification"]); ttl != nil {
		if on, _ := toBool(ttl["Enabled"], false); on {
			spec.TTLAttr = scalarString(ttl["AttributeName"])
		}
	}
	if _, ok := p["StreamSpecification"]; ok {
		m.warn("ddbstream", "DynamoDB Streams are not emulated", "table", id)
	}
	m.tables = append(m.tables, spec)
	return nil
}

// reservedEnv are the variables Lambda refuses in a function's Environment.
var reservedEnv = []string{"_HANDLER", "_X_AMZN_TRACE_ID", "AWS_DEFAULT_REGION", "AWS_REGION", "AWS_EXECUTION_ENV",
	"AWS_LAMBDA_FUNCTION_NAME", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "AWS_LAMBDA_FUNCTION_VERSION",
	"AWS_LAMBDA_INITIALIZATION_TYPE", "AWS_LAMBDA_LOG_GROUP_NAME", "AWS_LAMBDA_LOG_STREAM_NAME", "AWS_ACCESS_KEY",
	"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_LAMBDA_RUNTIME_API", "LAMBDA_TASK_ROOT",
	"LAMBDA_RUNTIME_DIR"}

func (m *model) buildFunction(id string) error {
	r := m.tmpl.Resources[id]
	if r.Type == typeLambdaFunction {
		return fmt.Errorf("plain AWS::Lambda::Function (code from S3 or inline) is %w; declare it as AWS::Serverless::Function with CodeUri", errUnsupported)
	}
	p := r.Properties
	name, err := m.physical(id)
	if err != nil {
		return err
	}
	fn := &function{LogicalID: id, Name: name, ARN: functionARN(name), Reserved: -1}
	codeURI, err := m.res.resolve(p["CodeUri"])
	if err != nil {
		return fmt.Errorf("CodeUri: %w", err)
	}
	cs, ok := codeURI.(string)
	if !ok || cs == "" {
		return fmt.Errorf("CodeUri must be a local folder (functions/<name>), got %v", codeURI)
	}
	fn.CodeDir = filepath.Join(m.tmpl.Dir, cs)
	if fn.Handler, err = m.res.str(p["Handler"]); err != nil {
		return fmt.Errorf("Handler: %w", err)
	}
	if fn.Handler == "" {
		fn.Handler = "bootstrap"
	}
	runtime, err := m.res.str(p["Runtime"])
	if err != nil {
		return fmt.Errorf("Runtime: %w", err)
	}
	if !strings.HasPrefix(runtime, "provided") {
		return fmt.Errorf("Runtime %q is %w: devstack runs Go custom-runtime functions (provided.al2023)", runtime, errUnsupported)
	}
	if bm := scalarString(r.Metadata["BuildMethod"]); bm != "" && bm != "go1.x" {
		return fmt.Errorf("Metadata.BuildMethod %q is %w (only go1.x)", bm, errUnsupported)
	}
	timeout, err := m.intProp(p, "Timeout", 3)
	if err != nil {
		return err
	}
	if timeout < 1 || timeout > 900 {
		return fmt.Errorf("Timeout %d is outside Lambda's 1–900 seconds", timeout)
	}
	fn.Timeout = time.Duration(timeout) * time.Second
	if fn.MemoryMB, err = m.intProp(p, "MemorySize", 128); err != nil {
		return err
	}
	if fn.MemoryMB < 128 || fn.MemoryMB > 10240 {
		return fmt.Errorf("MemorySize %d is outside Lambda's 128–10240 MB", fn.MemoryMB)
	}
	if v, ok := p["ReservedConcurrentExecutions"]; ok {
		rv, err := m.res.resolve(v)
		if err != nil {
			return err
		}
		if fn.Reserved, err = toInt(rv, -1); err != nil {
			return fmt.Errorf("ReservedConcurrentExecutions: %w", err)
		}
	}
	eic, err := m.res.resolve(p["EventInvokeConfig"])
	if err != nil {
		return fmt.Errorf("EventInvokeConfig: %w", err)
	}
	if fn.AsyncRetries, err = toInt(asMap(eic)["MaximumRetryAttempts"], 2); err != nil {
		return fmt.Errorf("EventInvokeConfig.MaximumRetryAttempts: %w", err)
	}
	lc, err := m.res.resolve(p["LoggingConfig"])
	if err != nil {
		return fmt.Errorf("LoggingConfig: %w", err)
	}
	if strings.EqualFold(scalarString(asMap(lc)["LogFormat"]), "JSON") {
		fn.LogFormat = "JSON"
		fn.LogLevel = strings.ToUpper(scalarString(asMap(lc)["ApplicationLogLevel"]))
	}
	if role, ok := p["Role"]; ok {
		if fn.RoleARN, err = m.res.str(role); err != nil {
			return fmt.Errorf("Role: %w", err)
		}
	} else {
		fn.RoleARN = fmt.Sprintf("arn:aws:iam::%s:role/%s", AccountID, physicalName(m.stack, id+"Role", 64, false))
	}
	env, err := m.res.resolve(asMap(p["Environment"])["Variables"])
	if err != nil {
		return fmt.Errorf("Environment: %w", err)
	}
	fn.Env = map[string]string{}
	size := 0
	for k, v := range asMap(env) {
		if contains(reservedEnv, k) {
			return fmt.Errorf("Environment variable %s is reserved by Lambda and cannot be set", k)
		}
		switch v.(type) {
		case map[string]any, []any:
			return fmt.Errorf("Environment variable %s must be a string, got %v", k, v)
		}
		fn.Env[k] = m.localize(scalarString(v))
		size += len(k) + len(fn.Env[k])
	}
	if size > 4096 {
		return fmt.Errorf("Environment variables total %d bytes; Lambda allows 4 KB", size)
	}
	for _, k := range []string{"Layers", "VpcConfig", "FileSystemConfigs"} {
		if _, ok := p[k]; ok {
			m.warn("fn/"+id+"/"+k, "function property is ignored locally", "function", id, "property", k)
		}
	}
	m.functions[id] = fn
	m.fnByName[name] = id
	return nil
}

func (m *model) intProp(p map[string]any, key string, def int) (int, error) {
	v, err := m.res.resolve(p[key])
	if err != nil {
		return 0, fmt.Errorf("%s: %w", key, err)
	}
	n, err := toInt(v, def)
	if err != nil {
		return 0, fmt.Errorf("%s: %w", key, err)
	}
	return n, nil
}

// refTarget returns the logical id that raw refers to with !Ref X or !GetAtt X.Y, if it does.
func refTarget(raw any) string {
	mm := asMap(raw)
	if s, ok := mm["Ref"].(string); ok {
		return s
	}
	if l := asList(mm["Fn::GetAtt"]); len(l) == 2 {
		s, _ := l[0].(string)
		return s
	}
	return ""
}

func (m *model) buildEvents(id string) error {
	evs := asMap(m.tmpl.Resources[id].Properties["Events"])
	names := make([]string, 0, len(evs))
	for k := range evs {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, ev := range names {
		e := asMap(evs[ev])
		typ := scalarString(e["Type"])
		var err error
		switch typ {
		case "HttpApi":
			err = m.httpEvent(id, asMap(e["Properties"]))
		case "Kinesis":
			err = m.kinesisEvent(id, ev, asMap(e["Properties"]))
		case "SQS":
			err = m.sqsEvent(id, ev, asMap(e["Properties"]))
		case "Schedule", "ScheduleV2":
			err = m.scheduleEvent(id, ev, typ == "ScheduleV2", asMap(e["Properties"]))
		default:
			m.warn("event/"+id+"/"+ev, "event type is not emulated; the function will not be triggered by it", "function", id, "event", ev, "type", typ)
		}
		if err != nil {
			return fmt.Errorf("event %s (%s): %w", ev, typ, err)
		}
	}
	return nil
}

func (m *model) httpAPIStage(apiLogical string) (string, error) {
	r, _ := m.resource(apiLogical)
	if r == nil || r.Type != typeHTTPAPI {
		return "", fmt.Errorf("ApiId %s is not an AWS::Serverless::HttpApi", apiLogical)
	}
	if !contains(m.httpAPIs, apiLogical) {
		m.httpAPIs = append(m.httpAPIs, apiLogical)
		sort.Strings(m.httpAPIs)
		for _, k := range []string{"Auth", "CorsConfiguration", "DefinitionBody", "DefinitionUri"} {
			if _, ok := r.Properties[k]; ok {
				m.warn("api/"+apiLogical+"/"+k, "HttpApi property is not emulated", "api", apiLogical, "property", k)
			}
		}
	}
	stage := defaultStage
	if v, ok := r.Properties["StageName"]; ok {
		s, err := m.res.str(v)
		if err != nil {
			return "", fmt.Errorf("StageName: %w", err)
		}
		stage = s
	}
	return stage, nil
}

func (m *model) httpEvent(fnID string, p map[string]any) error {
	api := implicitHTTPAPI
	if raw, ok := p["ApiId"]; ok {
		if api = refTarget(raw); api == "" {
			return fmt.Errorf("ApiId must be !Ref of an HttpApi in this template")
		}
	}
	stage, err := m.httpAPIStage(api)
	if err != nil {
		return err
	}
	rp, err := m.res.resolve(p)
	if err != nil {
		return err
	}
	props := asMap(rp)
	path, method := scalarString(props["Path"]), strings.ToUpper(scalarString(props["Method"]))
	if path == "" && method == "" || path == defaultStage {
		path, method = defaultStage, "ANY"
	}
	if method == "" || method == "*" {
		method = "ANY"
	}
	if path != defaultStage && !strings.HasPrefix(path, "/") {
		return fmt.Errorf("Path %q must start with /", path)
	}
	if v := scalarString(props["PayloadFormatVersion"]); v != "" && v != "2.0" {
		return fmt.Errorf("PayloadFormatVersion %s is %w (2.0 only)", v, errUnsupported)
	}
	timeout, err := toInt(props["TimeoutInMillis"], 30000)
	if err != nil {
		return fmt.Errorf("TimeoutInMillis: %w", err)
	}
	if _, ok := props["Auth"]; ok {
		m.warn("auth/"+fnID+path, "route authorizers are not enforced locally", "function", fnID, "path", path)
	}
	m.routes = append(m.routes, &httpRouteSpec{APILogicalID: api, APIID: m.apiID(api), Stage: stage, Method: method, Path: path,
		Function: fnID, Timeout: time.Duration(timeout) * time.Millisecond})
	return nil
}

// stream is the template's stream of that ARN, or nil.
func (m *model) stream(arn string) *streamSpec {
	for _, s := range m.streams {
		if s.ARN == arn {
			return s
		}
	}
	return nil
}

func (m *model) kinesisEvent(fnID, ev string, p map[string]any) error {
	rp, err := m.res.resolve(p)
	if err != nil {
		return err
	}
	props := asMap(rp)
	if on, err := toBool(props["Enabled"], true); err != nil || !on {
		return err
	}
	arn := scalarString(props["Stream"])
	consumer := ""
	for _, c := range m.consumers {
		if c.ARN == arn { // enhanced fan-out: the consumer's stream, read with a push's latency
			consumer, arn = c.ARN, c.StreamARN
		}
	}
	stream := m.stream(arn)
	if stream == nil {
		return fmt.Errorf("Stream %q is not a Kinesis stream declared in this template, nor one of its stream consumers", arn)
	}
	spec := &esmSpec{Function: fnID, Event: ev, StreamARN: arn, StreamName: stream.Name, ConsumerARN: consumer}
	spec.StartingPosition = scalarString(props["StartingPosition"])
	switch spec.StartingPosition {
	case "TRIM_HORIZON", "LATEST":
	case "AT_TIMESTAMP":
		sec, err := toInt(props["StartingPositionTimestamp"], 0)
		if err != nil {
			return fmt.Errorf("StartingPositionTimestamp: %w", err)
		}
		spec.StartAt = time.Unix(int64(sec), 0)
	default:
		return fmt.Errorf("StartingPosition %q must be TRIM_HORIZON, LATEST or AT_TIMESTAMP", spec.StartingPosition)
	}
	if spec.BatchSize, err = toInt(props["BatchSize"], 100); err != nil || spec.BatchSize < 1 || spec.BatchSize > 10000 {
		return fmt.Errorf("BatchSize must be 1–10000 (%v)", err)
	}
	window, err := toInt(props["MaximumBatchingWindowInSeconds"], 0)
	if err != nil || window < 0 || window > 300 {
		return fmt.Errorf("MaximumBatchingWindowInSeconds must be 0–300 (%v)", err)
	}
	spec.Window = time.Duration(window) * time.Second
	for _, t := range asList(props["FunctionResponseTypes"]) {
		if scalarString(t) == "ReportBatchItemFailures" {
			spec.ReportFailures = true
		}
	}
	if spec.Bisect, err = toBool(props["BisectBatchOnFunctionError"], false); err != nil {
		return fmt.Errorf("BisectBatchOnFunctionError: %w", err)
	}
	if spec.MaxRetries, err = toInt(props["MaximumRetryAttempts"], -1); err != nil || spec.MaxRetries < -1 || spec.MaxRetries > 10000 {
		return fmt.Errorf("MaximumRetryAttempts must be -1–10000 (%v)", err)
	}
	age, err := toInt(props["MaximumRecordAgeInSeconds"], -1)
	if err != nil || age != -1 && (age < 60 || age > 604800) {
		return fmt.Errorf("MaximumRecordAgeInSeconds must be -1 or 60–604800 (%v)", err)
	}
	if age > 0 {
		spec.MaxAge = time.Duration(age) * time.Second
	}
	if dest := scalarString(asMap(asMap(asMap(props["DestinationConfig"])["OnFailure"]))["Destination"]); dest != "" {
		if !strings.HasPrefix(dest, "arn:aws:sqs:") {
			m.warn("dest/"+fnID+ev, "only SQS on-failure destinations are emulated; discarded records will only be logged", "function", fnID, "destination", dest)
		} else {
			spec.OnFailureARN = dest
		}
	}
	if pf, _ := toInt(props["ParallelizationFactor"], 1); pf > 1 {
		m.warn("pf/"+fnID+ev, "ParallelizationFactor > 1 is not emulated; each shard has one batch in flight", "function", fnID)
	}
	for _, k := range []string{"FilterCriteria", "TumblingWindowInSeconds", "KmsKeyArn"} {
		if _, ok := props[k]; ok {
			m.warn("esm/"+fnID+ev+k, "Kinesis event property is not emulated", "function", fnID, "event", ev, "property", k)
		}
	}
	m.esms = append(m.esms, spec)
	return nil
}

func (m *model) scheduleEvent(fnID, ev string, v2 bool, p map[string]any) error {
	rp, err := m.res.resolve(p)
	if err != nil {
		return err
	}
	props := asMap(rp)
	if on, err := toBool(props["Enabled"], true); err != nil || !on {
		return err
	}
	if scalarString(props["State"]) == "DISABLED" {
		return nil
	}
	spec := &scheduleSpec{Function: fnID, Event: ev, V2: v2, Location: time.UTC}
	if v2 {
		spec.Expr = scalarString(props["ScheduleExpression"])
		if tz := scalarString(props["ScheduleExpressionTimezone"]); tz != "" {
			if spec.Location, err = time.LoadLocation(tz); err != nil {
				return fmt.Errorf("ScheduleExpressionTimezone: %w", err)
			}
		}
	} else {
		spec.Expr = scalarString(props["Schedule"])
	}
	if _, err := parseSchedule(spec.Expr); err != nil {
		return err
	}
	spec.Input = scalarString(props["Input"])
	spec.Rule = scalarString(props["Name"])
	if spec.Rule == "" {
		spec.Rule = physicalName(m.stack, fnID+ev, 64, false)
	}
	m.schedules = append(m.schedules, spec)
	return nil
}

var lambdaARNInURI = regexp.MustCompile(`arn:aws:lambda:[^:]+:[0-9]+:function:([A-Za-z0-9_-]+)`)

// buildV2APIs reads plain CloudFormation API Gateway v2 APIs: WebSocket APIs (and HTTP APIs
// declared without SAM), their routes, integrations and stages.
func (m *model) buildV2APIs() error {
	t := m.tmpl
	integrations := map[string]string{} // integration Ref value -> function logical id
	for _, id := range t.sortedIDs(typeV2Integration) {
		if !m.active[id] {
			continue
		}
		uri, err := m.res.str(t.Resources[id].Properties["IntegrationUri"])
		if err != nil {
			return fmt.Errorf("integration %s IntegrationUri: %w", id, err)
		}
		sub := lambdaARNInURI.FindStringSubmatch(uri)
		if sub == nil {
			m.warn("integ/"+id, "only Lambda proxy integrations are emulated", "integration", id, "uri", uri)
			continue
		}
		fn, ok := m.fnByName[sub[1]]
		if !ok {
			return fmt.Errorf("integration %s points at function %s, which this template does not declare", id, sub[1])
		}
		ref, _ := m.ref(id)
		integrations[scalarString(ref)] = fn
	}
	stages := map[string]string{}
	for _, id := range t.sortedIDs(typeV2Stage) {
		if !m.active[id] {
			continue
		}
		api := refTarget(t.Resources[id].Properties["ApiId"])
		name, err := m.physical(id)
		if err != nil {
			return err
		}
		if _, dup := stages[api]; dup {
			m.warn("stage/"+api, "API has several stages; devstack serves the first", "api", api)
			continue
		}
		stages[api] = name
	}
	apis := map[string]*wsAPISpec{}
	for _, id := range t.sortedIDs(typeV2API) {
		if !m.active[id] {
			continue
		}
		r := t.Resources[id]
		proto := strings.ToUpper(m.strProp(r, "ProtocolType"))
		switch proto {
		case "WEBSOCKET":
			stage, ok := stages[id]
			if !ok {
				stage = "local"
				m.warn("stage/"+id, "WebSocket API has no AWS::ApiGatewayV2::Stage; serving it at stage \"local\"", "api", id)
			}
			sel := m.strProp(r, "RouteSelectionExpression")
			if sel == "" {
				sel = "$request.body.action"
			}
			a := &wsAPISpec{LogicalID: id, ID: m.apiID(id), Stage: stage, Selection: sel, Routes: map[string]*wsRouteSpec{}}
			apis[id] = a
			m.wsAPIs = append(m.wsAPIs, a)
		case "HTTP":
			m.httpAPIs = append(m.httpAPIs, id)
			sort.Strings(m.httpAPIs)
		default:
			return fmt.Errorf("API %s: ProtocolType %q unknown", id, proto)
		}
	}
	for _, id := range t.sortedIDs(typeV2Route) {
		if !m.active[id] {
			continue
		}
		r := t.Resources[id]
		api := refTarget(r.Properties["ApiId"])
		key, err := m.res.str(r.Properties["RouteKey"])
		if err != nil {
			return fmt.Errorf("route %s RouteKey: %w", id, err)
		}
		target, err := m.res.str(r.Properties["Target"])
		if err != nil {
			return fmt.Errorf("route %s Target: %w", id, err)
		}
		fn, ok := integrations[strings.TrimPrefix(target, "integrations/")]
		if !ok {
			m.warn("route/"+id, "route has no Lambda integration; it is not served", "route", id, "target", target)
			continue
		}
		if a, ok := apis[api]; ok {
			a.Routes[key] = &wsRouteSpec{Key: key, Function: fn, ReturnResponse: m.strProp(r, "RouteResponseSelectionExpression") != ""}
			continue
		}
		if contains(m.httpAPIs, api) {
			stage := stages[api]
			if stage == "" {
				stage = defaultStage
			}
			method, path := "ANY", defaultStage
			if key != defaultStage {
				var ok bool
				if method, path, ok = strings.Cut(key, " "); !ok {
					return fmt.Errorf("route %s: RouteKey %q is not \"METHOD /path\"", id, key)
				}
			}
			m.routes = append(m.routes, &httpRouteSpec{APILogicalID: api, APIID: m.apiID(api), Stage: stage, Method: strings.ToUpper(method),
				Path: path, Function: fn, Timeout: 30 * time.Second})
			continue
		}
		return fmt.Errorf("route %s: ApiId must be !Ref of an AWS::ApiGatewayV2::Api in this template", id)
	}
	return nil
}
