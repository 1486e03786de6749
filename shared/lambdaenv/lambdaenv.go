// Package lambdaenv reads a function's required settings from its environment once, at start, so
// a function deployed without one stops at once, naming every one missing, instead of failing on
// its first request.
package lambdaenv

import (
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
)

// Required collects required variables: Get each, then check Err once.
type Required struct {
	missing []string
}

// Get returns the value of the environment variable name, noting it as missing when it is empty.
func (r *Required) Get(name string) string {
	v := os.Getenv(name)
	if v == "" {
		r.missing = append(r.missing, name)
	}
	return v
}

// Err names every variable Get found empty; nil when none was.
func (r *Required) Err() error {
	if len(r.missing) == 0 {
		return nil
	}
	return fmt.Errorf("environment: %s must be set", strings.Join(r.missing, ", "))
}

// AWSConfig checks the variables read (Err), then loads the AWS configuration the function's
// clients share: what a main does before anything else, stopping on the error.
func (r *Required) AWSConfig(ctx context.Context) (aws.Config, error) {
	if err := r.Err(); err != nil {
		return aws.Config{}, err
	}
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		return aws.Config{}, fmt.Errorf("load AWS config: %w", err)
	}
	return cfg, nil
}
