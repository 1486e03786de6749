package template

import "testing"

// The !Sub form of a policy Resource is accepted only when it is built from declared resources.
func TestSubOfResources(t *testing.T) {
	tpl := load(t)
	tests := map[string]struct {
		sub any
		ok  bool
	}{
		"resource arn with a path":   {"${Bucket.Arn}/models/*", true},
		"resource name":              {"${Table}", true},
		"literal arn":                {"arn:aws:s3:::some-bucket/*", false},
		"literal before a reference": {"arn:aws:s3:::${Bucket}/*", false},
		"parameter":                  {"${AdminKeySha256}/*", false},
		"pseudo parameter":           {"${AWS::AccountId}", false},
		"undeclared resource":        {"${Nope.Arn}/*", false},
		"declared then undeclared":   {"${Bucket.Arn}/${Nope}", false},
		"list form":                  {[]any{"${X}/*", map[string]any{"X": "y"}}, false},
		"websocket connections":      {"arn:${AWS::Partition}:execute-api:${AWS::Region}:${AWS::AccountId}:${AgentsApi}/${AgentsStage}/POST/@connections/*", true},
		"connections of no api":      {"arn:${AWS::Partition}:execute-api:${AWS::Region}:${AWS::AccountId}:${Table}/${AgentsStage}/POST/@connections/*", false},
		"every execute-api route":    {"arn:${AWS::Partition}:execute-api:${AWS::Region}:${AWS::AccountId}:${AgentsApi}/*", false},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if err := subOfResources(tpl, tc.sub); (err == nil) != tc.ok {
				t.Fatalf("subOfResources(%v) = %v, want ok=%v", tc.sub, err, tc.ok)
			}
		})
	}
}
