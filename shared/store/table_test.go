package store

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/lingxi/lingxi/infra/emulators"
)

// CreateTable turns TTL on for "ttl", as the template does, and may run again on its table.
func TestCreateTableEnablesTTL(t *testing.T) {
	db, table := emulators.NewTable(t, CreateTable)
	for range 2 {
		out, err := db.DescribeTimeToLive(t.Context(), &dynamodb.DescribeTimeToLiveInput{TableName: &table})
		if err != nil {
			t.Fatal(err)
		}
		if d := out.TimeToLiveDescription; d.TimeToLiveStatus != types.TimeToLiveStatusEnabled || aws.ToString(d.AttributeName) != AttrTTL {
			t.Fatalf("TTL %s on %q, want ENABLED on %q", d.TimeToLiveStatus, aws.ToString(d.AttributeName), AttrTTL)
		}
		if err := CreateTable(t.Context(), db, table); err != nil {
			t.Fatalf("again: %v", err)
		}
	}
}
