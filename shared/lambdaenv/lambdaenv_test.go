package lambdaenv

import "testing"

func TestRequired(t *testing.T) {
	tests := map[string]struct {
		env     map[string]string
		wantErr string
	}{
		"all set":     {map[string]string{"LX_A": "a", "LX_B": "b"}, ""},
		"one missing": {map[string]string{"LX_A": "a", "LX_B": ""}, "environment: LX_B must be set"},
		"all missing": {map[string]string{"LX_A": "", "LX_B": ""}, "environment: LX_A, LX_B must be set"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			for k, v := range tc.env {
				t.Setenv(k, v)
			}
			var env Required
			a, b := env.Get("LX_A"), env.Get("LX_B")
			if a != tc.env["LX_A"] || b != tc.env["LX_B"] {
				t.Fatalf("got %q %q", a, b)
			}
			got := ""
			if err := env.Err(); err != nil {
				got = err.Error()
			}
			if got != tc.wantErr {
				t.Fatalf("err %q, want %q", got, tc.wantErr)
			}
		})
	}
}

// AWSConfig refuses before loading anything when a variable is missing, and loads otherwise.
func TestAWSConfig(t *testing.T) {
	t.Setenv("AWS_REGION", "us-east-1")
	t.Setenv("LX_SET", "x")
	t.Setenv("LX_UNSET", "")
	var bad Required
	bad.Get("LX_SET")
	bad.Get("LX_UNSET")
	if _, err := bad.AWSConfig(t.Context()); err == nil || err.Error() != "environment: LX_UNSET must be set" {
		t.Fatalf("missing variable: %v", err)
	}
	var good Required
	good.Get("LX_SET")
	cfg, err := good.AWSConfig(t.Context())
	if err != nil || cfg.Region != "us-east-1" {
		t.Fatalf("config %q, %v", cfg.Region, err)
	}
}
